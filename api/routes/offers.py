"""Offers made by runs, and their outcomes (accepted, refused, no answer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import (
    CityQuery,
    ConnectionDep,
    EngineDep,
    IdPath,
    PagingDep,
    PrincipalDep,
    not_found,
    scoped_city,
    visible_or_404,
)
from api.schemas import OfferOutcome, OfferPublic, Page
from matcher.runs import queries, record_outcome

router = APIRouter(prefix="/offers", tags=["offers"])


@router.get("", response_model=Page[OfferPublic], summary="Offers (a city key: its own)")
def list_offers(
    connection: ConnectionDep,
    principal: PrincipalDep,
    paging: PagingDep,
    city: CityQuery = None,
    outcome: Annotated[
        str | None, Query(pattern="^(pending|accepted|refused|no_answer|superseded)$")
    ] = None,
) -> dict[str, Any]:
    items, total = queries.list_offers(
        connection,
        city=scoped_city(principal, city),
        outcome=outcome,
        offset=paging.offset,
        limit=paging.limit,
    )
    return {"items": items, "total": total}


@router.post(
    "/{offer_id}/outcome",
    response_model=OfferPublic,
    summary="Record what came of an offer; the next weekly runs take it into account",
    responses={
        409: {"description": "The offer already has an outcome"},
        422: {"description": "The date is before the offer's week or after today"},
    },
)
def set_outcome(
    offer_id: IdPath, body: OfferOutcome, engine: EngineDep, principal: PrincipalDep
) -> Any:
    with engine.connect() as connection:
        city = queries.offer_city(connection, offer_id)
    if city is None:
        raise not_found("offer", str(offer_id))
    visible_or_404(principal, city, "offer", offer_id)
    record_outcome(engine, offer_id, body.outcome, body.date)
    with engine.connect() as connection:
        items, _ = queries.list_offers(connection, city=city, offset=0, limit=1_000_000)
    return next(item for item in items if item["offer_id"] == offer_id)
