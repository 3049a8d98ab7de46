"""``wait_until``: the one polling loop of the test suite."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, step: float = 0.3) -> T:
    """Call ``predicate`` every ``step`` seconds until it returns something true or
    ``timeout`` seconds have passed; return its last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = predicate()
    return value
