"""Weekly runs: start one in the background, watch its progress, read its outputs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import Response

from api.deps import (
    CityQuery,
    ConnectionDep,
    EngineDep,
    IdPath,
    PagingDep,
    PrincipalDep,
    SettingsDep,
    app_engine,
    forbid_unless,
    not_found,
    scoped_city,
    visible_or_404,
)
from api.runner import runner_for
from api.schemas import FamilyPublic, Page, PlacementPublic, RunCreate, RunPublic
from matcher.io.excel import XLSX_MEDIA_TYPE, content_disposition, csv_as_xlsx, with_bom
from matcher.policy.rules import preset_names
from matcher.runs import RunConfig, export_run, queries, reap_abandoned, start_run
from matcher.runs.guarantee import WAITING_OR_BREACHED

router = APIRouter(prefix="/runs", tags=["runs"])
RunStatus = Annotated[
    str | None,
    # The parameter is named status_ in Python (status is FastAPI's module here); its name
    # in the query string is ?status=.
    Query(alias="status", pattern="^(running|succeeded|failed|abandoned)$", description="Filter"),
]


@router.get("", response_model=Page[RunPublic], summary="Runs, newest first")
def list_runs(
    connection: ConnectionDep,
    principal: PrincipalDep,
    paging: PagingDep,
    city: CityQuery = None,
    status_: RunStatus = None,
) -> dict[str, Any]:
    # A run whose process died is shown as abandoned, as soon as it is listed (not only once
    # another run starts).
    reap_abandoned(connection.engine)
    items, total = queries.list_runs(
        connection,
        city=scoped_city(principal, city),
        status=status_,
        offset=paging.offset,
        limit=paging.limit,
    )
    return {"items": items, "total": total}


@router.post(
    "",
    response_model=RunPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a weekly run for a city (runs in the background; poll its status)",
    responses={
        409: {
            "description": "The week is being run, or already has offers (send replace=true "
            "to supersede its pending offers)"
        }
    },
)
def create_run(
    body: RunCreate,
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> Any:
    forbid_unless(principal, body.city)
    known = preset_names(RunConfig().programs)
    if body.priority_preset not in known:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"priority_preset {body.priority_preset!r} is not a preset of the rules files: "
            f"{', '.join(sorted(known))}",
        )
    config = RunConfig(
        list_length=body.list_length,
        method=body.method,
        slack=body.slack,
        priority_preset=body.priority_preset,
    )
    run_engine = app_engine(request.app, settings, "runs")
    run_id = start_run(run_engine, body.city, body.week, config, replace=body.replace)
    runner_for(request.app, settings.run_workers).submit(run_engine, run_id)
    with engine.connect() as connection:
        return queries.get_run(connection, run_id)


def _run(connection: Any, principal: Any, run_id: int) -> dict[str, Any]:
    run = queries.get_run(connection, run_id)
    if run is None:
        raise not_found("run", str(run_id))
    visible_or_404(principal, run["city"], "run", run_id)
    return run


def _succeeded(run: dict[str, Any]) -> None:
    if run["status"] != "succeeded":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"run {run['run_id']} is {run['status']}: no outputs"
        )


@router.get("/{run_id}", response_model=RunPublic, summary="A run: status, progress, summary")
def get_run(run_id: IdPath, connection: ConnectionDep, principal: PrincipalDep) -> Any:
    return _run(connection, principal, run_id)


@router.get(
    "/{run_id}/placements", response_model=Page[PlacementPublic], summary="A run's placements"
)
def get_placements(
    run_id: IdPath, connection: ConnectionDep, principal: PrincipalDep, paging: PagingDep
) -> dict[str, Any]:
    _succeeded(_run(connection, principal, run_id))
    items, total = queries.run_placements(
        connection, run_id, offset=paging.offset, limit=paging.limit
    )
    return {"items": items, "total": total}


@router.get(
    "/{run_id}/families",
    response_model=Page[FamilyPublic],
    summary="A run's 20-day list of zero-employment families, most urgent first (overdue, "
    "near, open, covered late; covered in time with include_covered)",
)
def get_families(
    run_id: IdPath,
    connection: ConnectionDep,
    principal: PrincipalDep,
    paging: PagingDep,
    include_covered: bool = False,
) -> dict[str, Any]:
    _succeeded(_run(connection, principal, run_id))
    statuses = None if include_covered else WAITING_OR_BREACHED
    items, total = queries.run_families(
        connection, run_id, statuses=statuses, offset=paging.offset, limit=paging.limit
    )
    return {"items": items, "total": total}


@router.get(
    "/{run_id}/export/{name}",
    summary="A run's outputs as files to save: CSV (UTF-8 with BOM, for Excel), .xlsx, or JSON",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}, "application/json": {}}},
    },
)
def export(
    run_id: IdPath,
    name: Annotated[
        str,
        PathParam(
            pattern=r"^(recommendations|shortlists|placements|families)\.(csv|xlsx)$"
            r"|^summary\.json$"
        ),
    ],
    connection: ConnectionDep,
    principal: PrincipalDep,
) -> Response:
    """The canonical files of :func:`matcher.runs.export_run` (whose SHA-256 is the run's
    output hash) as a download: CSV behind a UTF-8 byte-order mark so that Excel shows the
    Chinese text, or the same table as a workbook (``….xlsx``)."""
    _succeeded(_run(connection, principal, run_id))
    files = export_run(connection, run_id)
    stem, _, suffix = name.rpartition(".")
    if suffix == "json":
        body, media = files[name], "application/json"
    elif suffix == "xlsx":
        body, media = csv_as_xlsx(files[f"{stem}.csv"]), XLSX_MEDIA_TYPE
    else:
        body, media = with_bom(files[name]), "text/csv; charset=utf-8"
    disposition = content_disposition(f"run-{run_id}-{name}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})
