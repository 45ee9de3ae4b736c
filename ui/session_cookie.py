"""The login cookie, set by the server as HttpOnly: page scripts can neither read nor copy it.

A Streamlit script cannot set a cookie: its output travels over the websocket. So the web
server (ui/web.py) carries one route of ours. After a sign-in the page hands the server a
one-time code (valid ``HANDOFF_SECONDS``, kept in this process only); the server answers with
``Set-Cookie: srm_session=<token>; HttpOnly; SameSite=Strict; Path=/`` and ``Secure`` when
the request came over HTTPS (directly or through a proxy that says so in X-Forwarded-Proto).
The code is useless once spent, so the page never holds anything that signs anyone in.
"""

from __future__ import annotations

import json
import secrets
import threading
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COOKIE = "srm_session"
PATH = "/_srm/session"
HANDOFF_SECONDS = 60

_lock = threading.Lock()
_handoffs: dict[str, tuple[str, int, float]] = {}  # code → (token, max-age, deadline)


def handoff(token: str, max_age: int) -> str:
    """A one-time code the browser exchanges for the HttpOnly cookie carrying ``token``."""
    code = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, _, deadline) in _handoffs.items() if deadline < now]:
            del _handoffs[stale]
        _handoffs[code] = (token, max_age, now + HANDOFF_SECONDS)
    return code


def set_script(code: str) -> str:
    """The page's side of the exchange (st.html runs it in the app's own document)."""
    request = f'{{method: "POST", body: {json.dumps(code)}, credentials: "same-origin"}}'
    return f'<script>fetch("{PATH}", {request});</script>'


def clear_script() -> str:
    return f'<script>fetch("{PATH}", {{method: "DELETE", credentials: "same-origin"}});</script>'


async def _session(request: Request) -> Response:
    response = Response(status_code=204)
    if request.method == "DELETE":  # sign-out: the session itself was revoked by the script
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_https(request))
        return response
    code = (await request.body()).decode(errors="replace")
    with _lock:
        token, max_age, deadline = _handoffs.pop(code, (None, 0, 0.0))
    if token is None or deadline < time.monotonic():
        return Response(status_code=403)
    response.set_cookie(
        COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="strict", secure=_https(request)
    )
    return response


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


ROUTES = [Route(PATH, _session, methods=["POST", "DELETE"])]
