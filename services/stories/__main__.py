"""``python -m svodka_services.stories worker``: run the stories stage (``--help`` for options)."""

from svodka.runtime.streaming import run
from svodka_services.stories.app import app, settings

if __name__ == "__main__":
    run(app, settings)
