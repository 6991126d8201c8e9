"""The Jinja2 environment of the reports: templates in ``reports/templates/``, autoescape on.

Every value a template writes is escaped unless it is :class:`markupsafe.Markup` (HTML made by a
template or an SVG made by :mod:`pdca.render`, which escapes its own text). Undefined names are
errors, never empty text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


@cache
def environment() -> Environment:
    """The one environment (built on first use)."""
    return Environment(
        loader=PackageLoader("pdca.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **values: Any) -> Markup:
    """Render the template ``name`` with ``values``; the result is safe HTML."""
    # the template escaped every value that was not Markup already (autoescape)
    return Markup(environment().get_template(name).render(**values))  # noqa: S704


def macro(name: str) -> Any:
    """The macro ``name`` of ``parts.html.j2`` (returns safe HTML)."""
    return getattr(environment().get_template("parts.html.j2").module, name)


__all__ = ["Markup", "environment", "macro", "render"]
