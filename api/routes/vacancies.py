"""Job-fair vacancies (program vacancy): list, read one, upload, employer shortlists."""

from __future__ import annotations

from typing import Any

from fastapi import Query

from api.deps import ConnectionDep, PrincipalDep
from api.routes._tables import read_row, table_router
from api.routes.posts import VACANCY, program_check
from api.schemas import Page, PostPublic, ShortlistPublic
from matcher.runs import queries

router = table_router(
    table="posts",
    key="post_id",
    noun="vacancy",
    plural="vacancies",
    public=PostPublic,
    prefix="/vacancies",
    program=VACANCY,
    batch_check=program_check(vacancies=True),
    csv_example="post_id,program,...\n",
)


@router.get(
    "/{post_id}/shortlist",
    response_model=Page[ShortlistPublic],
    summary="The employer's shortlist of seekers for a vacancy (latest run, or run_id)",
)
def get_shortlist(
    post_id: str,
    connection: ConnectionDep,
    principal: PrincipalDep,
    run_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
) -> dict[str, Any]:
    row = read_row(
        connection, principal, table="posts", item_id=post_id, noun="vacancy", program=VACANCY
    )
    if run_id is None:
        latest = queries.latest_succeeded(connection, row["city"])
        if latest is None:
            return {"items": [], "total": 0}
        run_id = latest[0]
    items = queries.post_shortlist(connection, run_id, post_id)
    return {"items": items, "total": len(items)}
