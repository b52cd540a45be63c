"""How pytest-xdist hands the suite to its workers: a module at a time, in the suite's order.

`--dist loadgroup` would do it from `xdist_group` marks, but it tells the controller a test's
group by appending `@group` to the test's id (`item._nodeid`), which pytest 9.2 no longer
reads (its ids are structured): the marks are ignored, every test is a group of its own
(pytest-xdist issue #1386), and each worker starts every module's stacks again. This
scheduler reads the group from the id itself, which is all the controller sees.
"""

from __future__ import annotations

import re

from xdist.scheduler import LoadScopeScheduling

# A long module whose fixtures are one per database anyway (parametrized by it, or per
# test) is split into a group per database, which can run side by side: its tests' ids
# end in the database's name. Its other tests stay in the module's group.
SPLIT_BY_DATABASE = frozenset(
    {
        "tests/fuzz/test_schemathesis.py",
        "tests/patients/test_registrations_import.py",
        "tests/console/test_address_limit.py",
        "tests/hospitals/test_key_rotation.py",
        "tests/console/test_password.py",
        "tests/console/test_sign_in.py",
        "tests/console/test_scoping.py",
        "tests/chatbot/test_survey.py",
    }
)
_DATABASE = re.compile(r"\[(sqlite|postgresql)\]$")


def group_of(nodeid: str) -> str:
    """The group a test belongs to: its module, or its module's half for one database."""
    module = nodeid.split("::", 1)[0]
    if module in SPLIT_BY_DATABASE:
        database = _DATABASE.search(nodeid)
        if database is not None:
            return f"{module}[{database.group(1)}]"
    return module


class ModuleScheduling(LoadScopeScheduling):
    """loadscope's scheduling (a group goes to one worker, which gets its next group when
    it has two tests left), with our groups. The groups go out in the order they were
    collected (addopts' `--no-loadscope-reorder`; tests/conftest.py sorts the longest
    first), not by their number of tests, which says little about their time."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)
