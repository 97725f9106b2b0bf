"""The app factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import VERIFIED_KEY, cached_principal, get_engine, principal_for, settings_of
from api.errors import error_body, safe_text, validation_response
from api.headers import SecurityHeaders
from api.settings import Settings, get_settings
from matcher import __version__
from matcher.errors import DataValidationError, MatcherError
from matcher.runs.store import OutcomeConflict, OutcomeDateError, RunConflict
from matcher.storage.engine import RETRY_AFTER_SECONDS, is_busy

_HERE = Path(__file__).parent
logger = logging.getLogger("matcher.api")
_TAGS = (
    "health", "seekers", "households", "employers", "vacancies", "posts", "runs",
    "recommendations", "offers", "families", "quotas", "fairness",
)  # fmt: skip

DESCRIPTION = """
Weekly job-fair matching for the public employment services of Liaoning (辽政发〔2009〕6号).

Every route except `GET /health` needs an API key: `Authorization: Bearer <key>` (create one
with `matcher apikey create --role province|city [--city CODE]`). A city key sees and changes
only its own city (403 otherwise). Identity numbers are always masked. Uploads are validated
with the same rules as data files; a bad batch is rejected whole with row-level errors (422).
"""


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for item in exc.errors():
            location = [str(part) for part in item.get("loc", ())]
            row = next((int(p) for p in location[1:] if p.isdigit()), None)
            value = item.get("input")
            errors.append(
                {
                    "row": row,
                    "column": ".".join(location) or None,
                    "value": None if value is None else str(value)[:200],
                    "message": str(item.get("msg", "invalid")),
                }
            )
        return JSONResponse(error_body(errors), status_code=422)

    @app.exception_handler(DataValidationError)
    async def _invalid_data(_request: Request, exc: DataValidationError) -> JSONResponse:
        return validation_response(exc, json_rows=False)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own handler, with the detail made encodable: it may quote a path or
        # query value, which can hold a lone surrogate.
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse(
            {"detail": safe_text(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(MatcherError)
    async def _domain_error(_request: Request, exc: MatcherError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RunConflict)
    @app.exception_handler(OutcomeConflict)
    async def _conflict(_request: Request, exc: MatcherError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(OutcomeDateError)
    async def _bad_date(_request: Request, exc: MatcherError) -> JSONResponse:
        item = {"row": None, "column": "date", "value": None, "message": str(exc)}
        return JSONResponse(error_body([item]), status_code=422)

    @app.exception_handler(OperationalError)
    async def _database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite answers "database is locked" when another writer (a run's output commit, a
        # large upload) held the write lock for the whole busy timeout: the request can simply
        # be sent again. Anything else is a real failure; its parameters are never logged
        # (the engine hides them), and the message here names no value either.
        if is_busy(exc):
            return JSONResponse(
                {"detail": "the database is busy with another write; retry shortly"},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        logger.error("database error: %s", type(exc.orig).__name__)
        return JSONResponse({"detail": "database error"}, status_code=500)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent write got there first (e.g. the same identity number inserted by two
        # uploads at once): nothing of this request was written.
        return JSONResponse(
            {"detail": "a concurrent change conflicts with this write; nothing was written, retry"},
            status_code=409,
        )

    @app.exception_handler(DataError)
    async def _unstorable(_request: Request, exc: DataError) -> JSONResponse:
        # Validation refuses what the databases cannot store; this is the net under it.
        return JSONResponse(
            error_body(
                [
                    {
                        "row": None,
                        "column": None,
                        "value": None,
                        "message": "a value cannot be stored by the database",
                    }
                ]
            ),
            status_code=422,
        )


API_PREFIX = "/api/v1"


class RequireKeyBeforeBody:
    """Answer 401 to an ``/api/v1`` request without a valid key, before its body is read.

    FastAPI parses and validates a request body before it runs the route's dependencies, so a
    request with no key (or a wrong one) and a malformed body would get 422 and learn about the
    schema; the contract is "no valid key → 401". The key is verified with the dependency's own
    function and cache, and the principal is handed to the route's ``PrincipalDep`` so it is
    not looked up twice; what the key may do (403) stays with the routes.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) runs
    every request through a task group and memory streams, which cost more CPU than the
    seeker-recommendations route itself. A cached key is checked without leaving the event
    loop; only a cache miss goes to the thread pool (it reads the database).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        try:
            if scheme.lower() != "bearer" or not token:
                raise HTTPException(401, "an API key is required: Authorization: Bearer <key>")
            settings = settings_of(request.app)
            principal = cached_principal(request, settings, token)
            if principal is None:
                engine = get_engine(request, settings)
                principal = await run_in_threadpool(principal_for, request, engine, settings, token)
        except HTTPException as error:
            response = JSONResponse(
                {"detail": error.detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        # The request's own state (a per-request copy of the app's lifespan state).
        scope.setdefault("state", {})[VERIFIED_KEY] = (token, principal)
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service. With ``settings``, they replace the environment's for this app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is alive once the app is built (2,000 modules with pandas, scipy, sklearn,
        # OR-Tools: ~220,000 tracked objects) lives as long as the process. Frozen out of the
        # cyclic collector, a full collection no longer walks it: unfrozen, each took ~120 ms
        # of CPU with the worker's event loop stopped, about once per 3,000 requests measured.
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
        runner = getattr(app.state, "runner", None)
        if runner is not None:
            runner.shutdown()
        for engine in app.state.engines.values():
            engine.dispose()

    app = FastAPI(
        title="matcher",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[{"name": name} for name in _TAGS],
    )
    app.state.engines = {}
    app.state.key_cache = {}
    app.state.runner = None
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    _install_handlers(app)
    app.add_middleware(RequireKeyBeforeBody)
    # Outermost, so 401s from the key check carry the headers too.
    app.add_middleware(SecurityHeaders)

    from api.routes import (
        dashboard,
        employers,
        fairness,
        families,
        health,
        households,
        offers,
        posts,
        quotas,
        recommendations,
        runs,
        seekers,
        vacancies,
    )

    app.include_router(health.router)
    for module in (
        seekers, households, employers, vacancies, posts, runs, recommendations, offers,
        families, quotas, fairness,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    return app
