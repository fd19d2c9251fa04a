"""`python -m services.escalation --port N`."""

from services.escalation.bootstrap import create_app
from shared.http.serve import serve

if __name__ == "__main__":
    serve("escalation", create_app)
