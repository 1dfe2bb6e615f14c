"""`dq-monitor serve`: the report's pages served live from the findings store.

A Starlette app with GET routes only (HEAD comes with GET; every other method is 405), reading the
store on each request so a team sees the latest checks: `/` the overview, `/datasets/{name}` one
dataset's metrics with their bands, schema changes and failed checks, `/report.html` the one-page
report, `/healthz`. `?since=30d` (or an ISO date) limits the snapshots on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from dq_monitor.report import (
    ReportData,
    load,
    render,
    render_dataset,
    render_overview,
    render_page,
)
from dq_monitor.report.since import parse_since
from dq_monitor.report.spec import dataset_path

#: The pages are self-contained (inline CSS and SVG, no script): the browser may fetch nothing else.
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

OpenStore = Callable[[], Any]


class _Store:
    """The store, opened on first use and again while it is still empty (no tables yet)."""

    def __init__(self, open_store: OpenStore) -> None:
        self._open, self._store = open_store, None

    def __call__(self) -> Any:
        if self._store is None:
            self._store = self._open()
        return self._store


def _since(request: Request) -> tuple[datetime | None, str]:
    text = request.query_params.get("since")
    try:
        return parse_since(text), (f"?{urlencode({'since': text})}" if text else "")
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _nav(query: str) -> str:
    return (f'<nav><a href="/{query}">overview</a> · <a href="/report.html{query}">one-page report</a> · '
            f'<a href="/datasets{query}">datasets</a></nav>')


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def create_app(open_store: OpenStore, *, title: str = "dq_monitor report") -> Starlette:
    """The read-only app; `open_store()` returns the findings store, or None while it is empty."""
    store = _Store(open_store)

    def read(since: datetime | None, dataset: str | None = None) -> ReportData:
        from dq_monitor.store import utcnow

        current = store()
        return ReportData([], utcnow(), since) if current is None else load(current, since=since, dataset=dataset)

    def overview(request: Request) -> Response:
        since, query = _since(request)
        return _html(render_overview(read(since), lambda name: dataset_path(name) + query, title, _nav(query)))

    def datasets(request: Request) -> Response:
        since, query = _since(request)
        data = read(since)
        items = "".join(f'<li><a href="{escape(dataset_path(d.name) + query)}">{escape(d.name)}</a> '
                        f"({len(d.findings)} open findings)</li>" for d in data.datasets)
        return _html(render_page(data, title, f'<section id="datasets"><ul>{items}</ul></section>', _nav(query)))

    def dataset(request: Request) -> Response:
        since, query = _since(request)
        name = request.path_params["name"]
        data = read(since, name)
        if not data.datasets:
            return _html(render_dataset(data, title, _nav(query)).replace(
                "No evaluations for this dataset.", f"No evaluations for dataset {escape(name)}."), 404)
        return _html(render_dataset(data, f"{title}: {name}", _nav(query)))

    def one_page(request: Request) -> Response:
        since, _ = _since(request)
        return _html(render(read(since), title))

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok", headers=HEADERS)

    routes = [Route("/", overview, methods=["GET"]), Route("/datasets", datasets, methods=["GET"]),
              Route("/datasets/{name}", dataset, methods=["GET"]), Route("/report.html", one_page, methods=["GET"]),
              Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes)
