from svodka_services.stories.app import app
from svodka.runtime.streaming import run

if __name__ == "__main__":
    run(app)
