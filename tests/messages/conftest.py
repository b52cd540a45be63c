"""Fixtures for the message tests (data and helpers live in `support`)."""

from __future__ import annotations

import pytest

from moph_connect.messages import AppointmentView

from .support import WORST_VIEWS


@pytest.fixture(params=sorted(WORST_VIEWS), ids=sorted(WORST_VIEWS))
def any_view(request: pytest.FixtureRequest) -> AppointmentView:
    """Each worst-case appointment in turn (the seed's among them)."""
    view: AppointmentView = WORST_VIEWS[request.param]
    return view
