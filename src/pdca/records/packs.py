"""The governance record: every review pack archived with what it was computed from.

One row per archived pack (``pdca report … --archive``): the log, the period, the report
template (its TOML), the objectives (the file's text and SHA-256, or the built-in defaults),
the store's data version and the log's imports (ids, files, SHA-256, rows stored), pdca's
version, the "generated on" time the pack shows, where it was written and the SHA-256 of its
HTML. :mod:`pdca.reports.archive` writes and reads it; ``pdca reports regenerate ID`` rebuilds
the pack from it. Kept in the records database (beside the register and the audit log) so that
it can be written while an import holds the analytics store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pdca.records.base import Base, UtcDateTime, utcnow


class ReportPack(Base):
    """One archived review pack."""

    __tablename__ = "report_packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    who: Mapped[str] = mapped_column(String(255), nullable=False)
    store: Mapped[str] = mapped_column(Text, nullable=False)
    log: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    template_name: Mapped[str] = mapped_column(String(80), nullable=False)
    template: Mapped[str] = mapped_column(Text, nullable=False)
    """The report template's TOML."""
    objectives_source: Mapped[str] = mapped_column(Text, nullable=False)
    """The objectives file's path as the pack shows it, or ``built-in defaults``."""
    objectives_found_by: Mapped[str] = mapped_column(String(32), nullable=False)
    objectives: Mapped[str | None] = mapped_column(Text)
    """The objectives file's text (None: the built-in defaults)."""
    objectives_sha256: Mapped[str | None] = mapped_column(String(64))
    data_version: Mapped[str] = mapped_column(String(255), nullable=False)
    """The store's data version (imports, last import id, events, quarantined rows)."""
    imports: Mapped[str] = mapped_column(Text, nullable=False)
    """The log's imports as JSON: id, source, file, SHA-256, rows stored."""
    pdca_version: Mapped[str] = mapped_column(String(64), nullable=False)
    generator: Mapped[str] = mapped_column(String(64), nullable=False)
    stamp: Mapped[str] = mapped_column(String(32), nullable=False)
    """The "generated on" time the pack shows."""
    format: Mapped[str] = mapped_column(String(8), nullable=False)
    """``html`` or ``pdf``."""
    path: Mapped[str] = mapped_column(Text, nullable=False)
    html_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    """SHA-256 of the pack's HTML (for a PDF: the paged HTML it was printed from)."""
    sections: Mapped[str] = mapped_column(Text, nullable=False)
    """JSON: the sections shown, and those left out with the reason."""


__all__ = ["ReportPack"]
