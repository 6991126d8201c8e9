"""The PDF pack: the review's paged HTML (cover, contents, page numbers; print.css) printed by
WeasyPrint (BSD; needs the system's Pango, see docs/reports.md). Charts stay vectors (WeasyPrint
draws the inline SVG), a chart is never cut across a page, tables repeat their header on each page
they run onto and never split a row."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pdca.errors import ConfigError

INSTALL_HINT = (
    "install the PDF extra (pip install 'pdca[pdf]') and the system's Pango "
    "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)"
)


def weasyprint() -> Any:
    """The WeasyPrint module, or a :class:`ConfigError` saying what to install."""
    try:
        import weasyprint as wp  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(
            f"cannot write a PDF: WeasyPrint is not installed ({exc})", INSTALL_HINT
        ) from None
    except OSError as exc:  # the Python package is there, the system library is not
        raise ConfigError(
            f"cannot write a PDF: WeasyPrint cannot load a system library ({exc})", INSTALL_HINT
        ) from None
    return wp


def render_document(html_text: str) -> Any:
    """The laid-out document (WeasyPrint's pages and boxes) of the paged HTML ``html_text``.
    WeasyPrint's warnings about CSS it ignores are kept off the terminal."""
    wp = weasyprint()
    quiet = logging.getLogger("weasyprint")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        # no base URL and a fetcher that refuses everything: the pack is self-contained
        return wp.HTML(string=html_text, url_fetcher=_refuse).render()
    finally:
        quiet.setLevel(level)


def _refuse(url: str, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
    """The review names no external resource; refuse any URL rather than fetch it."""
    raise ValueError(f"the review does not load {url!r}")


def write_pdf(html_text: str, path: Path) -> int:
    """Print ``html_text`` to the PDF ``path``; the number of pages."""
    document = render_document(html_text)
    document.write_pdf(path)
    return len(document.pages)


def pdf_written_by(path: Path) -> str | None:
    """The generator (``pdca report``) a PDF names as its creator, or None (not pdca's, or not
    a readable PDF)."""
    try:
        from pypdf import PdfReader  # noqa: PLC0415 (loaded on use)
        from pypdf.errors import PyPdfError  # noqa: PLC0415
    except ImportError:
        return None
    try:
        meta = PdfReader(path).metadata
    except (OSError, PyPdfError, ValueError, KeyError):
        return None
    creator = str(meta.get("/Creator", "")) if meta else ""
    return creator if creator.startswith("pdca") else None


__all__ = ["INSTALL_HINT", "pdf_written_by", "render_document", "weasyprint", "write_pdf"]
