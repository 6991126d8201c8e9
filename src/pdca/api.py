"""The Python API behind every interface: what the CLI (and later the web app) calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.ingest import LoadOptions, ocel, xes
from pdca.ingest import load as load_source
from pdca.ingest.suggest import suggest_mapping_text
from pdca.methods import mining
from pdca.methods.kpi.bands import BANDS
from pdca.methods.kpi.catalogue import CATALOGUE, get_kpi
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS
from pdca.methods.kpi.scorecard import scorecard as build_scorecard
from pdca.model.objectives import load_objectives
from pdca.model.schema import Col

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
        out["duplicates"] = self.duplicates
        out["reconciles"] = self.reconciles
        return out


def ingest(
    path: Path | str,
    *,
    source: str = "auto",
    store: Path | str | None = None,
    options: LoadOptions | None = None,
    progress: Progress = _noop,
) -> ImportReport:
    """Import one file into the store and return its data-quality report."""
    path = Path(path)
    options = options or LoadOptions()
    progress("reading")
    batch = load_source(path, source, options)
    progress("storing")
    with Store.open(store) as st:
        result = st.append(batch)
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
    )
    if not report.reconciles:  # pragma: no cover - an internal invariant
        raise InputError(f"internal: import counts do not reconcile: {report.to_dict()}")
    return report


def status(store: Path | str | None = None) -> pd.DataFrame:
    """What the store holds: one row per log."""
    with Store.open(store, read_only=True) as st:
        return st.logs()


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
    with Store.open(store, read_only=True) as st:
        return st.events_df(log)


def tickets(store: Path | str | None = None, log: str | None = None) -> pd.DataFrame:
    """Tickets with their derived facts."""
    with Store.open(store, read_only=True) as st:
        frame: pd.DataFrame = st.tickets(log).to_pandas()
        return frame


def _choose_log(st: Store, log: str | None) -> str:
    logs = st.logs()
    names = logs["log"].tolist()
    if log is not None:
        if log not in names:
            raise InputError(
                f"there is no log {log!r} in the store",
                f"choose one of: {', '.join(names) or '(none: import data first)'}",
            )
        return log
    if len(names) == 1:
        return str(names[0])
    if not names:
        raise InputError("the store is empty", "import data first with `pdca ingest FILE`")
    raise InputError(
        f"the store holds several logs ({', '.join(names)})", "choose one with --log NAME"
    )


def kpi_catalogue() -> pd.DataFrame:
    """Every KPI pdca computes: id, name, unit, direction, definition and whose it follows."""
    rows = [
        {
            "kpi": k.id,
            "name": k.name,
            "unit": k.unit,
            "better": k.direction.value,
            "definition": k.definition,
            "follows": k.follows,
        }
        for k in CATALOGUE.values()
    ]
    return pd.DataFrame(rows)


def kpi(
    kpis: Sequence[str] = (),
    *,
    store: Path | str | None = None,
    log: str | None = None,
    by: Sequence[str] = (),
    period: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    objectives: Path | str | None = None,
) -> pd.DataFrame:
    """KPI values per period and breakdown, with the previous period and the published band.

    ``kpis`` are catalogue ids (all when empty); ``options`` maps a KPI id to its options;
    ``objectives`` is the objectives file (SLA targets and calendars for the SLA KPIs).
    """
    ids = list(kpis) or list(CATALOGUE)
    goals = load_objectives(Path(objectives) if objectives else None)
    frames = []
    with Store.open(store, read_only=True) as st:
        name = _choose_log(st, log)
        inputs = Inputs(st.events(name), st.tickets(name), extra={"objectives": goals})
        for kpi_id in ids:
            query = Query(
                kpi_id,
                options=(options or {}).get(kpi_id),
                by=tuple(by),
                period=period,
                start=start,
                end=end,
            )
            frame = evaluate(inputs, query)
            definition = get_kpi(kpi_id)
            frame["unit"] = definition.unit
            band = BANDS.get(kpi_id)
            frame["benchmark"] = f"{band.text} ({band.source})" if band else None
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def scorecard(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
    period: str = "month",
) -> pd.DataFrame:
    """Every scorecard KPI for the reporting period against its target (red/amber/green, trend).

    Targets come from the objectives file's ``[kpi_targets]``; without any, pdca's defaults.
    """
    goals = load_objectives(Path(objectives) if objectives else None)
    targets = goals.kpi_targets or DEFAULT_TARGETS
    with Store.open(store, read_only=True) as st:
        name = _choose_log(st, log)
        inputs = Inputs(st.events(name), st.tickets(name), extra={"objectives": goals})
        return build_scorecard(inputs, targets, period=period)


MINING_VIEWS = ("dfg", "variants", "durations", "handover", "start", "end")


def mine(
    view: str,
    *,
    store: Path | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
) -> pd.DataFrame:
    """A process-mining view of one log: ``dfg`` (edges with frequency and waiting times),
    ``variants``, ``durations`` (per case), ``handover`` (between ``by`` values), ``start``/``end``
    activities. ``activity`` names one or more canonical columns that label each step.
    """
    if view not in MINING_VIEWS:
        raise InputError(f"unknown mining view {view!r}", f"use one of: {', '.join(MINING_VIEWS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    with Store.open(store, read_only=True) as st:
        events = st.events(_choose_log(st, log))
        if view == "handover":
            return mining.handover(events, by=by)
        traces = mining.prepare(events, key)
        if view == "dfg":
            return mining.process_map(traces)
        if view == "variants":
            return mining.variant_table(traces, top=top)
        if view == "durations":
            return mining.case_durations(traces)
        if view == "start":
            return mining.start_activities(traces)
        return mining.end_activities(traces)


def suggest_mapping(path: Path | str, options: LoadOptions | None = None) -> str:
    """A draft mapping (commented TOML) for a CSV/Excel export, to edit and pass with --map."""
    return suggest_mapping_text(Path(path), options or LoadOptions())


def export_parquet(directory: Path | str, store: Path | str | None = None) -> list[Path]:
    """Export the canonical tables to Parquet files in ``directory``."""
    with Store.open(store, read_only=True) as st:
        return st.export_parquet(Path(directory))


def export_csv(target: Path | str, store: Path | str | None = None, log: str | None = None) -> Path:
    """Export canonical events to one CSV file."""
    target = Path(target)
    frame = events(store, log)
    frame.to_csv(target, index=False)
    return target


_EXPORTERS: dict[str, Callable[[Path, Path | str | None, str | None], list[Path]]] = {
    "parquet": lambda out, store, _log: export_parquet(out, store),
    "csv": lambda out, store, log: [export_csv(out, store, log)],
    "xes": lambda out, store, log: [xes.write(events(store, log), out)],
    "ocel": lambda out, store, log: [ocel.write(events(store, log), out)],
}


def register_exporter(
    name: str, exporter: Callable[[Path, Path | str | None, str | None], list[Path]]
) -> None:
    """Make ``pdca export --to NAME`` available."""
    _EXPORTERS[name] = exporter


def export(
    to: str, out: Path | str, *, store: Path | str | None = None, log: str | None = None
) -> list[Path]:
    """Export the store's data in the named format; returns the files written."""
    exporter = _EXPORTERS.get(to)
    if exporter is None:
        raise InputError(f"cannot export to {to!r}", f"use one of: {', '.join(sorted(_EXPORTERS))}")
    return exporter(Path(out), store, log)
