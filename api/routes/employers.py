"""Employers and post-holding units: list, read one, upload."""

from __future__ import annotations

from api.routes._tables import table_router
from api.schemas import EmployerPublic

router = table_router(
    table="employers",
    key="employer_id",
    noun="employer",
    plural="employers",
    public=EmployerPublic,
)
