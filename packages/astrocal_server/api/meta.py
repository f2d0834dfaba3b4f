"""Meta routes: health, readiness, the published contract and its human-readable rendering.

``/docs`` renders the contract with Redoc, whose bundle ships inside the package
(``api/static/vendor/redoc``, served at ``/static``): the page loads nothing from another origin,
so it works on a machine without internet. Its Content-Security-Policy keeps it that way (Redoc's
sidebar credit would fetch a logo from the vendor's CDN; the policy stops it before any request)
while allowing what Redoc needs: inline styles, and a blob: worker for its search.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from astrocal_server.api.deps import get_state
from astrocal_server.api.dispatch import answers_with_response
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.errors import Unavailable

__all__ = ["find_openapi_file", "load_openapi", "router"]

logger = logging.getLogger("astrocal.server")
router = APIRouter()

_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "openapi.yaml",  # shipped inside the wheel
    Path(__file__).resolve().parents[3] / "openapi.yaml",  # a source checkout: the repo root
)

_DOCS_HTML = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Astrocal API reference</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
  </head>
  <body>
    <redoc spec-url="/v1/openapi.json"></redoc>
    <script src="/static/vendor/redoc/redoc.standalone.js"></script>
  </body>
</html>
"""


def find_openapi_file() -> Path | None:
    return next((p for p in _CANDIDATES if p.is_file()), None)


@functools.cache
def load_openapi() -> tuple[bytes, bytes]:
    """The contract as YAML (the file's bytes, as written) and as JSON; read once per process."""
    path = find_openapi_file()
    if path is None:
        raise FileNotFoundError(
            "openapi.yaml is neither packaged with the server nor at the repository root"
        )
    raw = path.read_bytes()
    document: Any = yaml.safe_load(raw)
    return raw, json.dumps(document, ensure_ascii=False).encode("utf-8")


def _contract() -> tuple[bytes, bytes]:
    try:
        return load_openapi()
    except (OSError, yaml.YAMLError) as exc:
        logger.error("cannot serve the API contract: %s", exc)
        raise Unavailable(
            "contract_unavailable",
            "The API description is not available on this server; reinstall the package.",
        ) from None


_HEALTHY = b'{"status":"ok"}'


@router.get("/healthz", include_in_schema=False, operation_id="meta.health")
@answers_with_response
async def healthz() -> Response:
    return Response(_HEALTHY, media_type="application/json")


@router.get("/readyz", include_in_schema=False, operation_id="meta.ready")
async def readyz(request: Request) -> Response:
    try:
        await get_state(request).db.ping()
    except Exception as exc:
        logger.warning("readiness check failed: the database did not answer: %s", exc)
        return JSONResponse(
            {"status": "unavailable", "checks": {"database": "failed"}}, status_code=503
        )
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})


@router.get("/v1/openapi.json", include_in_schema=False, operation_id="meta.openapi_json")
async def openapi_json() -> Response:
    return Response(_contract()[1], media_type="application/json")


@router.get("/v1/openapi.yaml", include_in_schema=False, operation_id="meta.openapi_yaml")
async def openapi_yaml() -> Response:
    return Response(_contract()[0], media_type="application/yaml")


_DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/docs", include_in_schema=False, operation_id="meta.docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(_DOCS_HTML, headers=_DOCS_HEADERS)
