"""``python -m svodka_services.dedup worker``: run a dedup worker (``--help`` for options)."""

from svodka.runtime.streaming import serve
from svodka_services.dedup.app import build

if __name__ == "__main__":
    serve(build)
