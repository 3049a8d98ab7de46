"""Kept for the branches merged this session that import ``tests.helpers``: the same names
from the test kit (``tests/kit/processes.py``). New tests import ``tests.kit`` directly."""

from tests.kit.processes import (  # noqa: F401
    SVODKA, last_json, settings_for, sink_auth, sink_sql, spawn, sql, svodka,
)
