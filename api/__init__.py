"""The matcher HTTP service (FastAPI). Routes are thin: they call the ``matcher`` library."""
