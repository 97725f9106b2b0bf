"""Fixtures of the weekly-run tests: see ``tests/service_fixtures.py``."""

from service_fixtures import *  # noqa: F403  (fixtures are found by name)
