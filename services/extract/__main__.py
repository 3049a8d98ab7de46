"""``python -m svodka_services.extract worker``: run an extract worker (``--help`` for options)."""

from svodka.runtime.streaming import run
from svodka_services.extract.app import app, settings

if __name__ == "__main__":
    run(app, settings)
