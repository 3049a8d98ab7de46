"""``python -m svodka_services.extract worker``: run an extract worker (``--help`` for options)."""

from svodka.runtime.streaming import serve
from svodka_services.extract.app import build

if __name__ == "__main__":
    serve(build)
