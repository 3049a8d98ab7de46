"""Structured, quiet logging: one JSON object per line on stderr, warnings by default."""

from __future__ import annotations

import json
import logging
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(level: str = "warn") -> None:
    """Route the ``svodka`` loggers to stderr as JSON lines."""
    names = {"warn": logging.WARNING, "warning": logging.WARNING, "info": logging.INFO,
             "debug": logging.DEBUG, "error": logging.ERROR, "crit": logging.CRITICAL}
    logger = logging.getLogger("svodka")
    logger.setLevel(names.get(level.lower(), logging.WARNING))
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False


def event(logger: logging.Logger, level: int, msg: str, **fields) -> None:
    """Log ``msg`` with structured fields."""
    logger.log(level, msg, extra={"fields": fields})
