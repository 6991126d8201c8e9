"""`pdca` commands that import, inspect and export the store's data."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from pdca import api
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import sources_help
from pdca.interfaces.cli.common import (
    DayfirstOpt,
    DelimiterOpt,
    EncodingOpt,
    FormatOpt,
    StoreOpt,
    app,
    delimiter_of,
    user_errors,
    with_progress,
)
from pdca.interfaces.cli.output import Format, emit_frame, emit_record


@app.command(rich_help_panel="Data")
def ingest(
    path: Annotated[Path, typer.Argument(help="File to import (CSV, Excel, XES, OCEL, …).")],
    source: Annotated[str, typer.Option(help=sources_help())] = "auto",
    mapping: Annotated[
        Path | None, typer.Option("--map", help="Column mapping file (TOML) for CSV/Excel.")
    ] = None,
    log: Annotated[str | None, typer.Option(help="Name of the log in the store.")] = None,
    dayfirst: DayfirstOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of timestamps without offset (default UTC).")
    ] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also print every data-quality detail (table)."),
    ] = False,
    bulk: Annotated[
        bool | None,
        typer.Option(
            "--bulk/--no-bulk",
            help="Bulk path (ServiceNow, BPIC 2013, CSV with --map): rows stream through the "
            "engine in bounded batches. Default: PDCA_BULK. See docs/bulk-import.md.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import a helpdesk export or event log; print its data-quality report.

    The table starts with a summary and the warnings that matter; `--verbose` (or `-f json` /
    `-f csv`) gives every detail. A date format that reads part of the dates the wrong way
    round, or an import that would quarantine every row, stops with nothing stored."""
    options = LoadOptions(
        log=log,
        mapping=mapping,
        dayfirst=dayfirst,
        encoding=encoding,
        delimiter=delimiter_of(delimiter),
        timezone=timezone,
    )
    with user_errors():
        report = with_progress(
            f"importing {path.name}",
            lambda step: api.ingest(
                path, source=source, store=store, options=options, progress=step, bulk=bulk
            ),
        )
    record = report.to_dict()
    if fmt is not Format.JSON:
        record["reverified"] = [_reverified(row) for row in report.reverified]
    if fmt is Format.TABLE:
        _print_summary(report)
        if not verbose:
            return
    emit_record(record, fmt, title=f"import {report.import_id}: {report.log}")


def _summary(report: api.ImportReport) -> list[str]:
    """The first lines of `pdca ingest`'s table output: what happened, in plain words."""
    details = report.details
    set_aside = report.quarantined + report.duplicates
    lines = [
        (
            f"Import {report.import_id}: read {report.rows_read:,} rows from "
            f"{Path(report.path).name} into log {report.log!r} ({report.source})."
        ),
        (
            f"Stored {report.stored:,} events; set aside {set_aside:,} rows "
            f"({report.quarantined:,} quarantined, {report.duplicates:,} duplicates)."
        ),
    ]
    reasons = sorted((details.get("quarantine_reasons") or {}).items(), key=lambda kv: -int(kv[1]))
    lines += [f"  quarantined {int(n):,}: {reason}" for reason, n in reasons[:3]]
    if len(reasons) > 3:
        lines.append(f"  … {len(reasons) - 3} more reason(s): `pdca quarantine`")
    tickets = details.get("cases")
    lines.append(
        (f"Tickets: {int(tickets):,} in this import, " if tickets is not None else "Tickets: ")
        + f"{report.tickets_in_log:,} in the log ({report.events_in_log:,} events)."
    )
    start, end = [*(details.get("time_span") or []), None, None][:2]
    if start:
        lines.append(f"Time span: {str(start)[:19]} to {str(end)[:19]} (UTC).")
    if details.get("formats"):
        lines.append(f"Dates: {_date_format(details['formats'])}.")
    return lines


def _date_format(formats: dict[str, Any]) -> str:
    """How the timestamps were read, e.g. ``%d/%m/%Y %H:%M (day-first, detected), UTC``."""
    how = []
    if formats.get("dayfirst") is not None:
        how.append("day-first" if formats["dayfirst"] else "month-first")
    if "timestamp_detected" in formats:
        how.append("detected" if formats["timestamp_detected"] else "from the mapping")
    text = str(formats.get("timestamp_format", "?"))
    if how:
        text += f" ({', '.join(how)})"
    if formats.get("timezone"):
        text += f", time zone {formats['timezone']}"
    return text


def _print_summary(report: api.ImportReport) -> None:
    """The summary, the warnings, the re-verified initiatives, and where the details are."""
    console = Console() if Console().is_terminal else Console(width=200)
    lines = _summary(report)
    lines += [f"Warning: {w}" for w in report.warnings]
    if not report.reconciles:  # pragma: no cover - api.ingest refuses this
        lines.append("Warning: the counts do not reconcile")
    lines += [
        f"Re-verified {_reverified(row)}"
        if row.get("initiative_id") is not None
        else _reverified(row)
        for row in report.reverified
    ]
    lines.append("Every detail: `--verbose`, or `-f json`.")
    for line in lines:  # Text: the data's labels are printed as they are
        console.print(Text(line), soft_wrap=True, highlight=False)


def _reverified(row: dict[str, Any]) -> str:
    """One initiative verified again after the import, in words."""
    if row.get("initiative_id") is None:
        return str(row.get("reason"))
    verdict = row.get("verdict") or f"not verified yet ({row.get('reason')})"
    text = f"initiative {row['initiative_id']}: "
    text += f"{row.get('previous')} → {verdict}" if row.get("changed") else f"{verdict}"
    alerts = row.get("alerts") or []
    if alerts:
        text += f"; {len(alerts)} control alert(s), back to {row.get('status')}"
    return text


class SurveyInstrument(StrEnum):
    """What a survey file holds (`pdca ingest-surveys --instrument`)."""

    CSAT = "csat"
    NPS = "nps"


@app.command("ingest-surveys", rich_help_panel="Data")
def ingest_surveys(
    path: Annotated[Path, typer.Argument(help="Survey export (CSV or Excel), one response a row.")],
    log: Annotated[
        str | None, typer.Option(help="Log whose tickets were surveyed (if several).")
    ] = None,
    instrument: Annotated[
        SurveyInstrument, typer.Option(help="csat (satisfaction) or nps (0-10).")
    ] = SurveyInstrument.CSAT,
    scale: Annotated[
        str | None,
        typer.Option(help="Answer scale MIN-MAX (csat: 1-5, or 0-1 for good/bad; nps: 0-10)."),
    ] = None,
    ticket: Annotated[str | None, typer.Option(help="Ticket id column (default: detect).")] = None,
    score: Annotated[str | None, typer.Option(help="Score column (default: detect).")] = None,
    time: Annotated[
        str | None, typer.Option(help="Response time column (default: detect; optional).")
    ] = None,
    comment: Annotated[
        str | None, typer.Option(help="Comment column (default: detect; optional).")
    ] = None,
    dayfirst: DayfirstOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of times without offset (default UTC).")
    ] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Import survey responses (CSAT or NPS) about a log's tickets; print the import report."""
    from pdca.ingest.surveys import SurveyColumns  # noqa: PLC0415 (loaded on use)

    options = LoadOptions(
        dayfirst=dayfirst,
        encoding=encoding,
        delimiter=delimiter_of(delimiter),
        timezone=timezone,
    )
    columns = SurveyColumns(ticket=ticket, score=score, time=time, comment=comment)
    with user_errors():
        report = with_progress(
            f"importing surveys from {path.name}",
            lambda step: api.ingest_surveys(
                path,
                log=log,
                store=store,
                instrument=instrument.value,
                scale=scale,
                columns=columns,
                options=options,
                progress=step,
            ),
        )
    emit_record(report.to_dict(), fmt, title=f"import {report.import_id}: surveys of {report.log}")


@app.command(rich_help_panel="Data")
def status(store: StoreOpt = None, fmt: FormatOpt = Format.TABLE) -> None:
    """Show what the store holds: logs, events, tickets, time span."""
    with user_errors():
        emit_frame(api.status(store), fmt, title="pdca store")


@app.command(rich_help_panel="Data")
def imports(store: StoreOpt = None, fmt: FormatOpt = Format.TABLE) -> None:
    """List past imports with their counts."""
    with user_errors():
        emit_frame(api.imports(store), fmt, title="imports")


@app.command(rich_help_panel="Data")
def quarantine(
    import_id: Annotated[int | None, typer.Option("--import", help="Only this import.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """List quarantined rows and the reason for each."""
    with user_errors():
        emit_frame(api.quarantine(store, import_id), fmt, title="quarantine")


@app.command(rich_help_panel="Data")
def export(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Target format: one of the exporters (built in: csv, ocel, parquet, xes; "
            "plug-ins add theirs with pdca.api.data.register_exporter).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file or directory.")],
    log: Annotated[str | None, typer.Option(help="Only this log.")] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV: write cells exactly as stored (by default a cell starting with = + - @ "
            "is written with a leading ' so that a spreadsheet does not run it).",
        ),
    ] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Export the canonical data to Parquet, CSV, XES or OCEL 2.0."""
    with user_errors():
        written = with_progress(
            f"exporting to {to}",
            lambda _step: api.export(to, out, store=store, log=log, raw=raw),
        )
    emit_record({"written": [str(p) for p in written]}, fmt)


@app.command("suggest-mapping", rich_help_panel="Data")
def suggest_mapping(
    path: Annotated[Path, typer.Argument(help="CSV or Excel export.")],
    dayfirst: DayfirstOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Print a draft mapping file for an export: `pdca suggest-mapping FILE > map.toml`."""
    options = LoadOptions(dayfirst=dayfirst, encoding=encoding, delimiter=delimiter_of(delimiter))
    with user_errors():
        sys.stdout.write(api.suggest_mapping(path, options))
