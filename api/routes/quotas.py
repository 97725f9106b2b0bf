"""Province quotas: a program's places apportioned over the cities by need (province keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import ConnectionDep, ProvinceDep
from api.schemas import QuotasPublic
from matcher.programs.quotas import city_quotas, need_from_counts
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
    counts = {
        city: int(run.get("summary", {}).get("fairness", {}).get(program, {}).get("eligible", 0))
        for city, run in latest.items()
    }
    if sum(counts.values()) == 0:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "no succeeded runs with eligible seekers yet: no need known"
        )
    # The same need, method and lot as every other city quota (matcher.programs.quotas).
    quotas = city_quotas(need_from_counts(counts), total, method=method)
    return {
        "program": program,
        "total": total,
        "method": method,
        "items": [
            {"city": str(row["region"]), "need": int(row["weight"]), "quota": int(row["quota"])}
            for row in quotas.to_dict("records")
        ],
    }
