"""The matcher web service: a FastAPI app over the weekly-run database, and a staff dashboard.

Build it with :func:`create_app`; nothing is created at import.
"""

from api.main import create_app

__all__ = ["create_app"]
