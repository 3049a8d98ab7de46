"""A key-value mapping of JSON values over a table of raw bytes (the stream's faust table).

The Assigner keeps its state as a mutable mapping of str keys to JSON-able values; the
stories service keeps it in a faust table with raw keys and values and a changelog topic.
``JsonTable`` is the adapter: UTF-8 keys, compact JSON values, nothing faust-specific.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from typing import Any

__all__ = ["JsonTable"]


class JsonTable(MutableMapping):
    def __init__(self, table: MutableMapping) -> None:
        self.table = table

    def __getitem__(self, key: str) -> Any:
        return json.loads(self.table[key.encode()])

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.table.get(key.encode())
        return default if raw is None else json.loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self.table[key.encode()] = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    def __delitem__(self, key: str) -> None:
        del self.table[key.encode()]

    def __iter__(self) -> Iterator[str]:
        for key in list(self.table.keys()):
            yield key.decode() if isinstance(key, bytes) else key

    def __len__(self) -> int:
        return len(self.table)

    def items(self):  # one pass, no lookup per key
        for key, value in list(self.table.items()):
            if value is not None:
                yield (key.decode() if isinstance(key, bytes) else key), json.loads(value)
