"""Security headers on every response: what a browser may load, frame or sniff.

A plain ASGI middleware (as the key check in :mod:`api.main`), so it adds no task group per
request. The dashboard loads only its own stylesheet and draws charts as inline SVG (no
JavaScript), so its policy allows nothing but the service's own origin. The interactive API
docs (``/docs``, ``/redoc``) load Swagger UI and ReDoc from a CDN, so those two pages keep a
policy that allows it, still refusing to be framed.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The dashboard and the API: own origin only, never framed, forms post only here.
STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: FastAPI's docs pages: their scripts and styles come from jsDelivr, with an inline start-up.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS = ("/docs", "/redoc")
_COMMON = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    # same-origin, not no-referrer: under no-referrer Chromium sends "Origin: null" with the
    # login form's POST, and the CSRF check needs the real origin. Other sites still get no
    # referrer (URLs hold seeker ids).
    ("referrer-policy", "same-origin"),
)


class SecurityHeaders:
    """Add ``Content-Security-Policy`` (with ``frame-ancestors 'none'``), ``X-Frame-Options``,
    ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope["path"]).startswith(_DOCS)
        policy = DOCS_CSP if docs else STRICT_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _COMMON:
                    headers.append(name, value)
                headers.append("content-security-policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
