"""The staff dashboard: server-rendered pages over the same queries as the API.

Staff log in once with their API key. The browser then holds a server-side session id
(:mod:`matcher.storage.sessions`) in an HttpOnly, SameSite=Strict cookie, never the key; the
session acts for the key (a city key sees only its city) and ends at logout, after
``session_hours``, or when the key is revoked or expires. The login form carries a CSRF token
(double submit: a random cookie and the same value in a hidden field), so a login posted from
another site is refused.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from api.charts import bar_chart
from api.deps import (
    ConnectionDep,
    EngineDep,
    IdPath,
    SettingsDep,
    principal_for,
    visible_or_404,
)
from matcher.errors import MatcherError
from matcher.policy import load_policy
from matcher.reference import cities
from matcher.runs import queries, reap_abandoned
from matcher.runs.guarantee import BREACHES, STATUSES, WAITING_OR_BREACHED
from matcher.storage.keys import Principal
from matcher.storage.sessions import create_session, end_session, session_principal

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


@pass_context
def _path_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """``url_for`` in the templates: the path only (``/static/style.css``), never a URL built
    from the request's Host header and scheme, which behind an HTTPS proxy would name
    ``http://`` and an inner host (the browser then refuses the stylesheet as mixed content)."""
    request: Request = context["request"]
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return root + str(request.app.url_path_for(name, **path_params))


templates.env.globals["url_for"] = _path_for
COOKIE = "matcher_session"
CSRF_COOKIE = "matcher_csrf"


def dashboard_principal(request: Request, engine: EngineDep) -> Principal:
    token = request.cookies.get(COOKIE)
    principal = session_principal(engine, token) if token else None
    if principal is None:
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": "/dashboard/login"})
    return principal


StaffDep = Annotated[Principal, Depends(dashboard_principal)]


def _city_names() -> dict[str, str]:
    table = cities()
    return dict(zip(table["code"].astype(str), table["name"].astype(str), strict=True))


def _program_name(program: str) -> str:
    """'公益性岗位 welfare' for a programme with a rules file; the id otherwise."""
    try:
        return f"{load_policy(program).program.name} {program}"
    except MatcherError:
        return program


def _ordered_fairness(fairness: dict[str, Any]) -> dict[str, Any]:
    """The run's fairness summary with numeric groups (tiers) in numeric order, not as text
    (1, 2, … 10, not 1, 10, 2); the stored JSON keeps its sorted keys."""

    def key(name: str) -> tuple[int, int | str]:
        return (0, int(name)) if name.isdigit() else (1, name)

    ordered: dict[str, Any] = {}
    for program, block in fairness.items():
        by = {
            attribute: {**part, "groups": dict(sorted(part.get("groups", {}).items(),
                                                      key=lambda item: key(str(item[0]))))}
            for attribute, part in block.get("by", {}).items()
        }  # fmt: skip
        ordered[program] = {**block, "by": by}
    return ordered


def _login_page(request: Request, error: str | None, status_code: int = 200) -> Response:
    """The login form with a fresh CSRF token, in its cookie and in a hidden field."""
    csrf = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"principal": None, "error": error, "csrf": csrf},
        status_code=status_code,
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        path="/dashboard",
        secure=_https(request),
    )
    return response


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse, name="dashboard_login")
def login_form(request: Request) -> Response:
    return _login_page(request, None)


@router.post("/login", name="dashboard_login_submit")
def login(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    # A form posted from another site has no CSRF cookie (SameSite=Strict), or a token that
    # does not match it; a browser also names the other site in Origin.
    expected = request.cookies.get(CSRF_COOKIE, "")
    origin = request.headers.get("origin")
    own_origin = f"{request.url.scheme}://{request.url.netloc}"
    if (
        not expected
        or not hmac.compare_digest(expected.encode(), csrf.encode())
        or (origin is not None and origin != own_origin)
    ):
        return _login_page(request, "请重新登录 the form expired or came from another site", 403)
    try:
        principal = principal_for(request, engine, settings, key.strip())
    except HTTPException:
        return _login_page(request, "无效的密钥 invalid or revoked key", 401)
    session = create_session(engine, principal.key_id, dt.timedelta(hours=settings.session_hours))
    response = RedirectResponse("/dashboard", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        session,
        httponly=True,
        samesite="strict",
        path="/dashboard",
        max_age=int(settings.session_hours * 3600),
        secure=_https(request),
    )
    response.delete_cookie(CSRF_COOKIE, path="/dashboard")
    return response


@router.get("/logout", name="dashboard_logout")
def logout(request: Request, engine: EngineDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        end_session(engine, token)
    response = RedirectResponse("/dashboard/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/dashboard")
    return response


@router.get("", response_class=HTMLResponse, name="dashboard_index")
def index(request: Request, connection: ConnectionDep, principal: StaffDep) -> Response:
    city = None if principal.role == "province" else principal.city
    reap_abandoned(connection.engine)
    runs, _ = queries.list_runs(connection, city=city, offset=0, limit=20)
    for run in runs:
        placements = run["summary"].get("placements", {})
        run["placed"] = sum(p.get("placed", 0) for p in placements.values())
        run["recommendations"] = (
            run["summary"].get("recommendations", {}).get("with_cap", {}).get("recommendations", 0)
        )
    latest = {
        c: r for c, r in queries.latest_runs_by_city(connection).items() if principal.can_see(c)
    }
    names = _city_names()
    city_bars = []
    # Tiers mean different groups in different programmes: counted per (programme, tier).
    tier_totals: dict[tuple[str, int], list[int]] = {}
    families: list[dict[str, Any]] = []
    breaches = dict.fromkeys(BREACHES, 0)
    # Every city the officer may see, in official order; a city without a run says so.
    for code in [c for c in names if principal.can_see(c)]:
        city_run = latest.get(code)
        if city_run is None:
            city_bars.append((f"{names[code]} {code}", 0.0, "本周未运行 no run"))
            continue
        fill = city_run["summary"].get("placements", {})
        places = sum(p.get("places", 0) for p in fill.values())
        placed = sum(p.get("placed", 0) for p in fill.values())
        rate = placed / places if places else 0.0
        city_bars.append((f"{names.get(code, code)} {code}", rate, f"{placed}/{places}"))
        for program, block in city_run["summary"].get("fairness", {}).items():
            for tier, row in block.get("by", {}).get("tier", {}).get("groups", {}).items():
                if not str(tier).isdigit():
                    continue
                total = tier_totals.setdefault((str(program), int(tier)), [0, 0])
                total[0] += row["placed"]
                total[1] += row["eligible"]
        items, _ = queries.run_families(
            connection, city_run["run_id"], statuses=WAITING_OR_BREACHED, limit=200
        )
        families.extend({**item, "city": code} for item in items)
        counts = city_run["summary"].get("families", {})
        for breach in BREACHES:
            breaches[breach] += int(counts.get(breach, 0))
    urgency = {name: i for i, name in enumerate(STATUSES)}
    families.sort(key=lambda f: (urgency[f["status"]], f["days_left"]))
    # One rules-file read per programme, not one per bar.
    program_names = {program: _program_name(program) for program, _ in tier_totals}
    tier_bars = [
        (
            f"{program_names[program]} 第 {tier} 档 tier {tier}",
            placed / eligible if eligible else 0.0,
            f"{placed}/{eligible}",
        )
        for (program, tier), (placed, eligible) in sorted(tier_totals.items())
    ]
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "principal": principal,
            "runs": runs,
            "city_names": names,
            "city_chart": bar_chart(
                "按城市 by city: 安置/岗位 placed per place", city_bars, chart_id="chart-cities"
            ),
            "tier_chart": bar_chart(
                "按项目和优先档 by programme and tier: 安置/符合条件 placed per eligible",
                tier_bars,
                chart_id="chart-tiers",
                color="#c8702a",
            ),
            "families": families[:300],
            "breaches": breaches,
        },
    )


@router.get("/seeker", name="dashboard_seeker_search")
def seeker_search(seeker_id: Annotated[str, Query(max_length=64)]) -> Response:
    return RedirectResponse(f"/dashboard/seekers/{seeker_id.strip()}", status_code=303)


@router.get("/seekers/{seeker_id}", response_class=HTMLResponse, name="dashboard_seeker")
def seeker_page(
    seeker_id: str, request: Request, connection: ConnectionDep, principal: StaffDep
) -> Response:
    seeker = queries.get_row(connection, "seekers", seeker_id)
    if seeker is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no seeker {seeker_id!r}")
    visible_or_404(principal, seeker["city"], "seeker", seeker_id)
    latest = queries.latest_succeeded(connection, seeker["city"])
    items = (
        [] if latest is None else queries.seeker_recommendations(connection, seeker_id, latest[0])
    )
    return templates.TemplateResponse(
        request,
        "seeker.html",
        {
            "principal": principal,
            "seeker": seeker,
            "items": items,
            "run_id": latest[0] if latest else None,
            "week": latest[1] if latest else None,
        },
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse, name="dashboard_run")
def run_page(
    run_id: IdPath, request: Request, connection: ConnectionDep, principal: StaffDep
) -> Response:
    run = queries.get_run(connection, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    visible_or_404(principal, run["city"], "run", run_id)
    return templates.TemplateResponse(
        request,
        "run.html",
        {
            "principal": principal,
            "run": run,
            "fairness": _ordered_fairness(run["summary"].get("fairness", {})),
        },
    )
