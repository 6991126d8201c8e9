"""Reports: self-contained HTML documents built from the public API (loaded on use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pdca.reports.review import build_report

__all__ = ["build_report"]


def __getattr__(name: str) -> Any:
    if name == "build_report":
        from pdca.reports.review import build_report  # noqa: PLC0415 (loaded on use)

        return build_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
