"""The two worlds a hospital talks to: production and the test environment.

Each has its own LINE channel ("MOPH Connect" and "[TEST] MOPH Connect"), its own API keys
and its own data; the names double as the LINE channel names in settings and the emulator.
"""

from typing import Literal, get_args

Environment = Literal["production", "test"]
ENVIRONMENTS: tuple[Environment, ...] = get_args(Environment)
