"""The data API: import files into the store, look at what it holds, export it.

Connectors load on first use, so commands that only read the store start quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.choice import EngineSettings
from pdca.engine.store import DB_FILE, Store, check_store_dir, resolve_store_dir
from pdca.errors import InputError, PdcaError, StoreError
from pdca.ingest.options import LoadOptions

if TYPE_CHECKING:
    from pdca.api.desk import Desk
    from pdca.ingest.surveys import SurveyColumns

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@dataclass(frozen=True)
class ImportReport:
    """The data-quality report of one import. ``rows_read = stored + quarantined + duplicates``."""

    import_id: int
    log: str
    source: str
    path: str
    rows_read: int
    stored: int
    quarantined: int
    duplicates_in_file: int
    duplicates_in_store: int
    events_in_log: int
    tickets_in_log: int
    details: dict[str, Any] = field(default_factory=dict)
    reverified: list[dict[str, Any]] = field(default_factory=list)
    """The log's initiatives that had gone live, verified again on the new data (one row each,
    as :func:`pdca.api.improve.reverify_all` gives them); empty when there are none."""

    @property
    def duplicates(self) -> int:
        """Rows skipped as exact duplicates (within the file or already in the store)."""
        return self.duplicates_in_file + self.duplicates_in_store

    @property
    def reconciles(self) -> bool:
        """Whether every row read is accounted for.

        A ticket list (``details.ticket_list``) makes several events of one row: its rows are
        kept or quarantined, and the events of the kept rows are stored or duplicates.
        """
        listed = self.details.get("ticket_list")
        if listed:
            return (
                self.rows_read == int(listed["rows_kept"]) + self.quarantined
                and int(listed["events"]) == self.stored + self.duplicates
            )
        return self.rows_read == self.stored + self.quarantined + self.duplicates

    @property
    def warnings(self) -> list[str]:
        """What in this import changes the analyses, in words (empty when nothing does)."""
        out = _unmapped_value_warnings(self.details.get("unmapped_values") or {})
        unmapped = self.details.get("unmapped_activities") or {}
        events = sum(int(n) for n in unmapped.values())
        if events:
            share = _percent(events, self.stored)
            top = ", ".join(f"{label!r} ({int(n):,})" for label, n in list(unmapped.items())[:3])
            more = f" and {len(unmapped) - 3} more" if len(unmapped) > 3 else ""
            out.append(
                f"{len(unmapped):,} activity label(s) map to no state, so {events:,} stored "
                f"events ({share}) have state 'unknown': {top}{more}. {UNKNOWN_STATE_EFFECT}"
            )
        if self.rows_read and self.quarantined / self.rows_read >= HIGH_QUARANTINE_SHARE:
            out.append(
                f"{_percent(self.quarantined, self.rows_read)} of the rows were quarantined "
                f"({self.quarantined:,} of {self.rows_read:,}): see "
                f"`pdca quarantine --import {self.import_id}`"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out = asdict(self)
        out["duplicates"] = self.duplicates
        out["reconciles"] = self.reconciles
        out["warnings"] = self.warnings
        return out


def _unmapped_value_warnings(unmapped: dict[str, dict[str, int]]) -> list[str]:
    """One line per field whose value map missed some values (ticket lists and logs alike)."""
    out = []
    for name, counts in unmapped.items():
        rows = sum(int(n) for n in counts.values())
        top = ", ".join(f"{value!r} ({int(n):,})" for value, n in list(counts.items())[:3])
        more = f" and {len(counts) - 3} more" if len(counts) > 3 else ""
        kept = "left empty" if name == "made_sla" else "kept as they are"
        out.append(
            f"{len(counts):,} value(s) of {name} are not in its value map ([values.{name}]), "
            f"in {rows:,} rows, {kept}: {top}{more}"
        )
    return out


def _percent(part: int, whole: int) -> str:
    """``part`` as a share of ``whole`` for people: ``52%``, or ``<1%`` rather than ``0%``."""
    share = part / whole if whole else 1.0
    return "<1%" if 0 < share < 0.01 else f"{share:.0%}"


HIGH_QUARANTINE_SHARE = 0.05
"""From this share of quarantined rows on, the import report warns."""
UNKNOWN_STATE_EFFECT = (
    "Events in state 'unknown' do not count as first response, resolution or closure: this "
    "changes MTTA, MTTR and the SLA times, the reopen rate and the backlog of open tickets; "
    "map the labels in [states] of a mapping file (`pdca suggest-mapping FILE`)."
)
"""Why unmapped activity labels matter (the ticket facts read only known states)."""


def _derivations() -> list[Any]:
    """What the import keeps for the analyses (loaded on use: see the module docstring)."""
    from pdca.methods.kpi.source_sla import derivations as kpi  # noqa: PLC0415
    from pdca.methods.mining.materialize import derivations as mining  # noqa: PLC0415

    return [*mining(), *kpi()]


def keep_mining_traces(store: Path | str | None = None, log: str | None = None) -> None:
    """Order the log's tickets for process mining and keep the results in the store, with the
    rest of what an import keeps for the analyses (for logs written another way, e.g. by the
    simulator chunk by chunk)."""
    from pdca.api.common import choose_log  # noqa: PLC0415 (the engine is loaded already)

    with Store.open(store) as st:
        st.refresh_derived(choose_log(st, log), _derivations())


def ingest(
    path: Path | str,
    *,
    source: str = "auto",
    store: Path | str | None = None,
    options: LoadOptions | None = None,
    progress: Progress = _noop,
    bulk: bool | None = None,
) -> ImportReport:
    """Import one file into the store and return its data-quality report. ``bulk`` (default:
    ``PDCA_BULK``) takes the engine's bulk path for the files that support it
    (docs/bulk-import.md)."""
    path = Path(path)
    options = options or LoadOptions()
    from pdca.ingest.bulk_csv import wanted  # noqa: PLC0415 (loaded on use)

    if wanted(bulk):
        from pdca.api.bulk_ingest import ingest_bulk  # noqa: PLC0415

        done = ingest_bulk(path, source=source, store=store, options=options, progress=progress)
        if isinstance(done, ImportReport):
            return done
    progress("reading")
    from pdca.ingest.sources import load as load_source  # noqa: PLC0415 (loaded on use)

    batch = load_source(path, source, options)
    _refuse_if_nothing_fits(batch.rows_read, len(batch.events), batch.quarantine, path)
    progress("storing")
    # a folder of someone else's files is not made a store (nothing is written there)
    check_store_dir(resolve_store_dir(store))
    with Store.open(store) as st:
        result = st.append(batch, derive=_derivations())
    live = _live_initiatives(store, batch.log)
    report = ImportReport(
        import_id=result.import_id,
        log=batch.log,
        source=batch.source,
        path=batch.path,
        rows_read=batch.rows_read,
        stored=result.stored,
        quarantined=result.quarantined,
        duplicates_in_file=result.duplicates_in_file,
        duplicates_in_store=result.duplicates_in_store,
        events_in_log=result.events_in_log,
        tickets_in_log=result.tickets_in_log,
        details=batch.details,
        reverified=_reverify(store, batch.log, progress) if live else [],
    )
    if not report.reconciles:  # pragma: no cover - an internal invariant
        raise InputError(f"internal: import counts do not reconcile: {report.to_dict()}")
    return report


def _refuse_if_nothing_fits(
    rows_read: int, events: int, quarantine: pd.DataFrame, path: Path
) -> None:
    """Stop, before the store is touched, an import that would quarantine every row."""
    if rows_read == 0 or events > 0 or quarantine.empty:
        return
    reasons = quarantine["reason"].astype(str)
    kinds = reasons.str.replace(r"'.*?' ", "", regex=True).value_counts()
    main, count = str(kinds.index[0]), int(kinds.iloc[0])
    example = reasons[reasons.str.replace(r"'.*?' ", "", regex=True) == main].iloc[0]
    raise InputError(
        f"none of the {rows_read:,} rows of {path.name} can be imported; nothing was stored. "
        f"Main reason ({count:,} rows): {example}",
        "check the mapping (columns and their values; `pdca suggest-mapping FILE` drafts one) "
        "and the options such as --dayfirst/--monthfirst",
    )


def _live_initiatives(store: Path | str | None, log: str) -> bool:
    """Whether the register (in the records database) has initiatives of ``log`` gone live."""
    from pdca.api.improve import live_initiatives  # noqa: PLC0415 (loaded on use)

    return live_initiatives(store=store, log=log)


def _reverify(store: Path | str | None, log: str, progress: Progress) -> list[dict[str, Any]]:
    """Check again every initiative of the log that went live (the data is stored: a problem
    here is reported in the rows, it does not undo the import)."""
    progress("verifying initiatives")
    from pdca.api.improve import reverify_all  # noqa: PLC0415 (statistics load on use)

    try:
        return reverify_all(store=store, log=log, who="pdca ingest")
    except PdcaError as exc:
        return [{"initiative_id": None, "reason": f"re-verification failed: {exc}"}]


@dataclass(frozen=True)
class SurveyImportReport:
    """The report of one survey import. ``rows_read = stored + quarantined + duplicates``.

    ``unmatched`` counts the stored responses whose ticket is not (yet) in the log: they are
    kept, and count towards CSAT and NPS as soon as they can be placed in a period.
    """

    import_id: int
    log: str
    path: str
    instrument: str
    scale: tuple[float, float]
    rows_read: int
    stored: int
    quarantined: int
    duplicates_in_file: int
    duplicates_in_store: int
    unmatched: int
    responses_in_log: int
    details: dict[str, Any] = field(default_factory=dict)
    source: str = "surveys"

    @property
    def duplicates(self) -> int:
        """Rows skipped as exact duplicates (within the file or already in the store)."""
        return self.duplicates_in_file + self.duplicates_in_store

    @property
    def reconciles(self) -> bool:
        """Whether every row read is accounted for."""
        return self.rows_read == self.stored + self.quarantined + self.duplicates

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out = asdict(self)
        out["scale"] = list(self.scale)
        out["duplicates"] = self.duplicates
        out["reconciles"] = self.reconciles
        return out


def ingest_surveys(
    path: Path | str,
    *,
    log: str | None = None,
    store: Path | str | None = None,
    instrument: str = "csat",
    scale: str | tuple[float, float] | None = None,
    columns: SurveyColumns | None = None,
    options: LoadOptions | None = None,
    progress: Progress = _noop,
) -> SurveyImportReport:
    """Import survey responses (CSAT or NPS) about the tickets of a log; see docs/surveys.md.

    ``log`` is a log already in the store (default: the store's only log). ``scale`` is the
    answer scale, e.g. ``"1-5"`` (CSAT default; 0-1 when every score is good/bad) or ``(0, 10)``
    (NPS, the only scale it allows). ``columns`` names the file's columns where their names are
    not the usual ones; ``options`` carries ``dayfirst``, ``encoding``, ``delimiter`` and
    ``timezone``.
    """
    from pdca.ingest.surveys import load_surveys  # noqa: PLC0415 (loaded on use)

    path = Path(path)
    root = resolve_store_dir(store)
    if not (root / DB_FILE).exists():
        raise StoreError(
            f"there is no pdca store in {root}",
            "import the ticket log first with `pdca ingest FILE`, then its surveys",
        )
    with Store.open(root) as st:
        name = choose_log(st, log)
        progress("reading")
        batch = load_surveys(
            path, log=name, instrument=instrument, scale=scale, columns=columns, options=options
        )
        progress("storing")
        result = st.append_surveys(batch)
    details = batch.details
    report = SurveyImportReport(
        import_id=result.import_id,
        log=name,
        path=batch.path,
        instrument=str(details["instrument"]),
        scale=(float(details["scale"][0]), float(details["scale"][1])),
        rows_read=batch.rows_read,
        stored=result.stored,
        quarantined=result.quarantined,
        duplicates_in_file=result.duplicates_in_file,
        duplicates_in_store=result.duplicates_in_store,
        unmatched=result.unmatched,
        responses_in_log=result.responses_in_log,
        details=details,
    )
    if not report.reconciles:  # pragma: no cover - an internal invariant
        raise InputError(f"internal: survey import counts do not reconcile: {report.to_dict()}")
    return report


def status(
    store: Path | str | None = None, *, engine: EngineSettings | str | None = None
) -> pd.DataFrame:
    """What the store holds: one row per log; with ``engine`` given (e.g. ``"spark"``), what
    that engine reads (the export), else always the DuckDB store, whatever pdca.toml chooses
    for the analyses."""
    with _desk(store, engine) as desk:
        frame: pd.DataFrame = desk.status()
        return frame


def _desk(store: Path | str | None, engine: EngineSettings | str | None = None) -> Desk:
    """A desk for one question: on ``engine``, else the DuckDB store (whatever pdca.toml says)."""
    from pdca.api.desk import open as open_desk  # noqa: PLC0415 (the desk imports this module)

    return open_desk(store, engine=EngineSettings() if engine is None else engine)


def imports(store: Path | str | None = None) -> pd.DataFrame:
    """The import history."""
    with Store.open(store, read_only=True) as st:
        return st.imports()


def quarantine(store: Path | str | None = None, import_id: int | None = None) -> pd.DataFrame:
    """Quarantined rows with their reasons."""
    with Store.open(store, read_only=True) as st:
        return st.quarantined(import_id)


def events(store: Path | str | None = None, log: str | None = None) -> pd.DataFrame:
    """Canonical events in their stable order."""
    with _desk(store) as desk:
        return desk.events(log)


def tickets(store: Path | str | None = None, log: str | None = None) -> pd.DataFrame:
    """Tickets with their derived facts."""
    with _desk(store) as desk:
        return desk.tickets(log)


def suggest_mapping(path: Path | str, options: LoadOptions | None = None) -> str:
    """A draft mapping (commented TOML) for a CSV/Excel export, to edit and pass with --map."""
    from pdca.ingest.suggest import suggest_mapping_text  # noqa: PLC0415 (loaded on use)

    return suggest_mapping_text(Path(path), options or LoadOptions())


def export_parquet(directory: Path | str, store: Path | str | None = None) -> list[Path]:
    """Export the canonical tables to Parquet files in ``directory``."""
    with Store.open(store, read_only=True) as st:
        return st.export_parquet(Path(directory))


def export_csv(
    target: Path | str,
    store: Path | str | None = None,
    log: str | None = None,
    *,
    raw: bool = False,
) -> Path:
    """Export canonical events to one CSV file; text cells a spreadsheet would run as a formula
    are written inert (:mod:`pdca.render.spreadsheet`) unless ``raw``."""
    from pdca.render.spreadsheet import inert_frame  # noqa: PLC0415 (loaded on use)

    target = Path(target)
    frame = events(store, log)
    (frame if raw else inert_frame(frame)).to_csv(target, index=False)
    return target


def _interchange(name: str) -> Any:
    return import_module(f"pdca.ingest.{name}")


_EXPORTERS: dict[str, Callable[[Path, Path | str | None, str | None], list[Path]]] = {
    "parquet": lambda out, store, _log: export_parquet(out, store),
    "csv": lambda out, store, log: [export_csv(out, store, log)],
    "xes": lambda out, store, log: [_interchange("xes").write(events(store, log), out)],
    "ocel": lambda out, store, log: [_interchange("ocel").write(events(store, log), out)],
}


def exporter_names() -> list[str]:
    """The formats ``pdca export --to`` writes: the built-ins and those registered."""
    return sorted(_EXPORTERS)


def register_exporter(
    name: str, exporter: Callable[[Path, Path | str | None, str | None], list[Path]]
) -> None:
    """Make ``pdca export --to NAME`` available."""
    _EXPORTERS[name] = exporter


def export(
    to: str,
    out: Path | str,
    *,
    store: Path | str | None = None,
    log: str | None = None,
    raw: bool = False,
) -> list[Path]:
    """Export the store's data in the named format; returns the files written. ``raw``: write
    CSV cells exactly as stored (by default a cell a spreadsheet would run as a formula is made
    inert)."""
    if to == "csv":
        return [export_csv(out, store, log, raw=raw)]
    exporter = _EXPORTERS.get(to)
    if exporter is None:
        raise InputError(f"cannot export to {to!r}", f"use one of: {', '.join(sorted(_EXPORTERS))}")
    return exporter(Path(out), store, log)
