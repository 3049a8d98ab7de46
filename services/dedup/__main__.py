"""``python -m svodka_services.dedup worker``: run a dedup worker (``--help`` for options)."""

from svodka.runtime.streaming import run
from svodka_services.dedup.app import app, settings

if __name__ == "__main__":
    run(app, settings)
