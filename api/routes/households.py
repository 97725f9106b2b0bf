"""Households (家庭): the flags that define priority groups; list, read one, upload."""

from __future__ import annotations

from api.routes._tables import table_router
from api.schemas import HouseholdPublic

router = table_router(
    table="households",
    key="household_id",
    noun="household",
    plural="households",
    public=HouseholdPublic,
)
