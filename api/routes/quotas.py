"""Province quotas: a program's places apportioned over the cities by need (province keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import ConnectionDep, ProvinceDep
from api.schemas import QuotasPublic
from matcher.quotas.methods import apportion
from matcher.reference import city_codes
from matcher.runs import queries

router = APIRouter(prefix="/quotas", tags=["quotas"])


@router.get(
    "",
    response_model=QuotasPublic,
    summary="Apportion a program's places over cities by need (eligible seekers in each "
    "city's latest run); province keys only",
    responses={403: {"description": "A city key"}},
)
def get_quotas(
    connection: ConnectionDep,
    _principal: ProvinceDep,
    program: Annotated[str, Query(pattern="^(welfare|grassroots|internship)$")] = "welfare",
    total: Annotated[int, Query(ge=0, le=1_000_000)] = 30_000,
    method: Annotated[
        str, Query(pattern="^(webster|hamilton|jefferson|adams|huntington_hill)$")
    ] = "webster",
) -> dict[str, Any]:
    latest = queries.latest_runs_by_city(connection)
    cities = list(city_codes())
    need = [
        int(
            latest.get(c, {})
            .get("summary", {})
            .get("fairness", {})
            .get(program, {})
            .get("eligible", 0)
        )
        for c in cities
    ]
    if sum(need) == 0:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "no succeeded runs with eligible seekers yet: no need known"
        )
    result = apportion(cities, need, total, method, ties="lot", seed=0)
    return {
        "program": program,
        "total": total,
        "method": method,
        "items": [
            {"city": c, "need": n, "quota": q}
            for c, n, q in zip(cities, need, result.seats, strict=True)
        ],
    }
