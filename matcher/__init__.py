"""matcher: job matching and training allocation for public employment services."""

__version__ = "0.1.0"
