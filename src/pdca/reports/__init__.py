"""Reports: self-contained HTML documents built from the public API."""

from pdca.reports.review import build_report

__all__ = ["build_report"]
