"""The pages: one router module per page group, and the navigation (:data:`PAGES`).

How to add a page (see also docs/web.md, "How to add a page"): create ``pages/<topic>.py`` with

    router = APIRouter(include_in_schema=False)
    add_page("kpis", "KPIs", "/kpis")          # key from NAV_ORDER, title, link

    @router.get("/kpis")
    def kpis(request: Request, who: Viewer, desk: DeskDep) -> HTMLResponse:
        return page(request, "kpis.html", nav_key="kpis", title="KPIs", rows=desk.kpi(...))

and a template ``templates/kpis.html`` that extends ``base.html``. Every module of this package
that has a ``router`` is included by :func:`pdca.web.app.create_app` (:func:`routers`); nothing
else needs editing. A page that is not registered is not linked.
"""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from pdca.records import Role

if TYPE_CHECKING:
    from fastapi import APIRouter

    from pdca.web.auth import Principal

NAV_ORDER = (
    "scorecard",
    "kpis",
    "process-map",
    "sla",
    "monitor",
    "improvement",
    "imports",
    "objectives",
    "review",
    "admin",
)
"""The order of the navigation; a key not listed here comes after these, by title."""


@dataclass(frozen=True)
class Page:
    """A navigation entry: ``key`` (see :data:`NAV_ORDER`), its title, its link, and the least
    role that sees it."""

    key: str
    title: str
    path: str
    role: Role = Role.VIEWER


PAGES: dict[str, Page] = {}
"""Registered pages by key (each page module adds itself with :func:`add_page`)."""


def add_page(key: str, title: str, path: str, role: Role = Role.VIEWER) -> Page:
    """Put a page into the navigation (call it at the top level of the page's module)."""
    entry = Page(key, title, path, role)
    PAGES[key] = entry
    return entry


def _order(entry: Page) -> tuple[int, str]:
    rank = NAV_ORDER.index(entry.key) if entry.key in NAV_ORDER else len(NAV_ORDER)
    return rank, entry.title


def navigation(who: Principal | None) -> list[Page]:
    """The pages ``who`` may open, in :data:`NAV_ORDER` (none when nobody is logged in)."""
    if who is None:
        return []
    return sorted((p for p in PAGES.values() if who.allows(p.role)), key=_order)


def routers(package: str = __name__) -> list[APIRouter]:
    """The ``router`` of every module in ``package``, imported in name order."""
    found = []
    where = import_module(package)
    for info in sorted(pkgutil.iter_modules(where.__path__), key=lambda m: m.name):
        module = import_module(f"{package}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            found.append(router)
    return found
