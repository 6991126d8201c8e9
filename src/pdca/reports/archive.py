"""The governance record of the review packs: archive a written pack with what it was computed
from, list and show the archive, and rebuild a pack from its record.

A record (:class:`pdca.records.ReportPack`, in the records database beside the register) keeps
the log, the period, the report template's TOML, the objectives file's text and SHA-256 (or
"built-in defaults"), the store's data version and the log's imports, pdca's version, the
"generated on" time the pack shows, and the SHA-256 of its HTML. :func:`regenerate` rebuilds the
pack from those inputs: the same template and period, the recorded objectives text (read from a
copy, named as the original file), the same time stamp; it refuses when the store's data has
changed since (the numbers would not be the ones the committee saw).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from pdca.api.common import resolve_objectives
from pdca.engine.store import Store, resolve_store_dir
from pdca.errors import InputError, PdcaError
from pdca.model.objectives import Resolved, load_objectives
from pdca.records import ReportPack, audit, open_records
from pdca.records.db import Records
from pdca.reports.packs import parse_layout
from pdca.reports.review import PERIODS, SECTIONS, ReportResult, build_report
from pdca.version import __version__

LIST_COLUMNS = ("id", "written_at", "who", "log", "period", "template", "format", "data_version")
"""Columns of :func:`list_packs`."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _who() -> str:
    try:
        return os.environ.get("PDCA_USER") or getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "unknown"


@dataclass(frozen=True)
class DataSnapshot:
    """What the store held for a log: its data version and the log's imports."""

    version: str
    imports: list[dict[str, Any]]


def data_snapshot(store: Path | str | None, log: str) -> DataSnapshot:
    """The store's data version and ``log``'s imports (id, source, file, SHA-256, rows stored)."""
    with Store.open(store, read_only=True) as st:
        version = st.data_version()
        frame = st.imports()
    rows = frame[frame["log"] == log] if "log" in frame else frame.iloc[0:0]
    keep = [c for c in ("import_id", "source", "path", "sha256", "stored") if c in rows]
    imports = [
        {
            str(k): (None if pd.isna(v) else (int(v) if k in ("import_id", "stored") else str(v)))
            for k, v in rec.items()
        }
        for rec in rows[keep].to_dict("records")
    ]
    return DataSnapshot(version, imports)


@contextmanager
def _records(store: Path | str | None, records: Records | str | None) -> Iterator[Records]:
    if isinstance(records, Records):
        yield records
        return
    opened = open_records(resolve_store_dir(store).resolve(), records)
    try:
        yield opened
    finally:
        opened.close()


def archive_pack(
    result: ReportResult,
    *,
    store: Path | str | None,
    objectives: Resolved,
    data: DataSnapshot,
    generator: str,
    records: Records | str | None = None,
) -> int:
    """Record the written pack ``result`` (built from ``objectives`` on ``data``); its id."""
    if result.template is None:
        raise PdcaError("the pack names no report template", "build it with build_report")
    text = None
    if objectives.path is not None:
        try:
            text = objectives.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read the objectives file {objectives.path} to archive it: {exc}"
            ) from None
    record = ReportPack(
        who=_who(),
        store=str(resolve_store_dir(store).resolve()),
        log=result.log,
        period=result.period,
        template_name=result.template.name,
        template=result.template.to_toml(),
        objectives_source=objectives.source,
        objectives_found_by=objectives.found_by,
        objectives=text,
        objectives_sha256=_sha256(text) if text is not None else None,
        data_version=data.version,
        imports=json.dumps(data.imports, sort_keys=True),
        pdca_version=__version__,
        generator=generator,
        stamp=result.stamp,
        format="pdf" if result.pages else "html",
        path=str(result.path.resolve()),
        html_sha256=_sha256(result.html),
        sections=json.dumps({"shown": result.sections, "left_out": result.skipped}),
    )
    with _records(store, records) as opened, opened.session() as session:
        session.add(record)
        session.flush()
        audit(
            session,
            record.who,
            "report.archive",
            f"report_pack:{record.id}",
            {"log": result.log, "period": result.period, "template": record.template_name},
        )
        return int(record.id)


def build_and_archive(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
    period: str | None = None,
    out: Path | str | None = None,
    force: bool = False,
    template: str | Path | None = None,
    pdf: bool = False,
    records: Records | str | None = None,
) -> tuple[ReportResult, int]:
    """:func:`~pdca.reports.review.build_report` on the DuckDB store, then
    :func:`archive_pack`; the result and the record's id. The store must not change while the
    pack is written (else nothing is archived and the error says so)."""
    resolved = resolve_objectives(objectives, store=store)
    chosen = log or _only_log(store)
    before = data_snapshot(store, chosen)
    result = build_report(
        store=store,
        log=chosen,
        objectives=resolved,
        period=period,
        out=out,
        force=force,
        template=template,
        pdf=pdf,
    )
    if data_snapshot(store, chosen).version != before.version:
        raise PdcaError(
            "the store changed while the pack was written (an import ran); it was not archived",
            "run pdca report --archive again",
        )
    pack = archive_pack(
        result,
        store=store,
        objectives=resolved,
        data=before,
        generator="pdca report",
        records=records,
    )
    return result, pack


def _only_log(store: Path | str | None) -> str:
    with Store.open(store, read_only=True) as st:
        names = st.logs()["log"].tolist()
    if len(names) == 1:
        return str(names[0])
    if not names:
        raise PdcaError("the store is empty", "import data first with `pdca ingest FILE`")
    raise PdcaError(f"the store holds several logs ({', '.join(names)})", "choose with --log")


def list_packs(
    *, store: Path | str | None = None, records: Records | str | None = None
) -> pd.DataFrame:
    """Every archived pack, newest first (:data:`LIST_COLUMNS`)."""
    with _records(store, records) as opened, opened.session() as session:
        rows = session.scalars(select(ReportPack).order_by(ReportPack.id.desc())).all()
        data = [
            (r.id, r.written_at, r.who, r.log, r.period, r.template_name, r.format, r.data_version)
            for r in rows
        ]
    return pd.DataFrame(data, columns=list(LIST_COLUMNS))


def show_pack(
    pack: int, *, store: Path | str | None = None, records: Records | str | None = None
) -> dict[str, Any]:
    """Everything recorded about pack ``pack`` (the objectives and template texts included)."""
    with _records(store, records) as opened, opened.session() as session:
        row = session.get(ReportPack, pack)
        if row is None:
            raise InputError(f"there is no archived pack {pack}", "see `pdca reports list`")
        found = {c.name: getattr(row, c.name) for c in ReportPack.__table__.columns}
    found["imports"] = json.loads(found["imports"])
    found["sections"] = json.loads(found["sections"])
    return found


@dataclass
class Regenerated:
    """A pack rebuilt from its record."""

    result: ReportResult
    record: dict[str, Any]
    identical: bool
    """Whether the rebuilt HTML has the SHA-256 the record keeps."""


def regenerate(
    pack: int,
    *,
    store: Path | str | None = None,
    out: Path | str | None = None,
    force: bool = False,
    records: Records | str | None = None,
) -> Regenerated:
    """Rebuild pack ``pack`` from its record into ``out`` (default: ``pack-ID.html``/``.pdf``
    here). Refused when the store's data version is not the recorded one."""
    record = show_pack(pack, store=store, records=records)
    now = data_snapshot(store, record["log"])
    if now.version != record["data_version"]:
        raise InputError(
            f"the store's data changed since pack {pack} was written (data version "
            f"{record['data_version']}, now {now.version}): its numbers cannot be rebuilt",
            "regenerate it on a copy of the store as it was (the record lists its imports)",
        )
    layout = parse_layout(
        record["template"],
        source=f"pack {pack}'s template",
        name=record["template_name"],
        known=[n for n, _ in SECTIONS],
        periods=PERIODS,
    )
    target = Path(out) if out is not None else Path(f"pack-{pack}.{record['format']}")
    with tempfile.TemporaryDirectory(prefix="pdca-pack-") as folder:
        # the sections read the recorded objectives from a copy; the pack names the original
        copy = Path(folder) / "objectives.toml"
        copy.write_text(record["objectives"] or "", encoding="utf-8")
        original = Path(record["objectives_source"]) if record["objectives"] is not None else None
        shown = Resolved(
            load_objectives(copy if original is not None else None),
            original,
            record["objectives_found_by"],
        )
        result = build_report(
            store=store,
            log=record["log"],
            objectives=copy,
            period=record["period"],
            out=target,
            force=force,
            generator=record["generator"],
            template=layout,
            pdf=record["format"] == "pdf",
            stamp=record["stamp"],
            shown_as=shown,
        )
    return Regenerated(result, record, _sha256(result.html) == record["html_sha256"])


__all__ = [
    "LIST_COLUMNS",
    "DataSnapshot",
    "Regenerated",
    "archive_pack",
    "build_and_archive",
    "data_snapshot",
    "list_packs",
    "regenerate",
    "show_pack",
]
