"""``python -m svodka_services.sink worker``: run the ClickHouse sink (``--help`` for options)."""

from svodka.runtime.streaming import run
from svodka_services.sink.app import app, settings

if __name__ == "__main__":
    run(app, settings)
