"""Jinja2 templates (autoescaping ON for every template) and :func:`page`, which renders one.

Every page extends ``base.html``; :func:`page` passes it the user, the navigation
(:mod:`pdca.web.pages`), the CSRF token for forms (``{{ csrf_field() }}``) and the current page's
key (``nav_key``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from pdca.web.auth import CSRF_FIELD, current

TEMPLATES = Path(__file__).with_name("templates")


def safe_href(value: Any) -> str:
    """A link target that cannot run script: a local path or an http(s) URL, else ``#``."""
    text = str(value or "").strip()
    if text.startswith("/") and not text.startswith("//"):
        return text
    if text.lower().startswith(("https://", "http://")):
        return text
    return "#"


def segment(value: Any) -> str:
    """A value as one URL path segment (``/`` and everything else percent-encoded)."""
    return quote(str(value), safe="")


def number(value: Any, digits: int = 2) -> str:
    """A number as pages show it: blank when missing, whole numbers without decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    env.filters["segment"] = segment
    env.filters["number"] = number
    return env


ENV = _environment()


def add_template_folder(folder: Path) -> None:
    """Let a plug-in's pages use templates from ``folder`` too (after pdca's own)."""
    loader = ENV.loader
    if isinstance(loader, FileSystemLoader) and str(folder) not in loader.searchpath:
        loader.searchpath.append(str(folder))


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    nav_key: str | None = None,
    title: str | None = None,
    csrf: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` (which extends base.html) as the response to ``request``.

    ``csrf`` overrides the session's token (the login form's anonymous session).
    """
    from pdca.web.pages import navigation  # noqa: PLC0415 (pages import this module)

    try:
        who = current(request)
    except Exception:
        who = None
    token = csrf or (who.csrf if who is not None else None)

    def csrf_field() -> Markup:
        if not token:
            return Markup("")
        return Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, escape(token)
        )

    html = ENV.get_template(template).render(
        request=request,
        user=who,
        nav=navigation(who),
        nav_key=nav_key,
        title=title or "pdca",
        csrf_token=token or "",
        csrf_field=csrf_field,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
