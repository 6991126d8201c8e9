"""`pdca reports list|show|regenerate`: the governance record of archived review packs
(`pdca report --archive` writes it; docs/reports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pdca.interfaces.cli.common import FormatOpt, StoreOpt, app, err, user_errors, with_progress
from pdca.interfaces.cli.output import Format, emit_frame, emit_record

reports_app = typer.Typer(
    help="The governance record: archived review packs (list, show, regenerate).",
    no_args_is_help=True,
)
app.add_typer(reports_app, name="reports", rich_help_panel="Report")


@reports_app.command("list")
def reports_list(
    fmt: FormatOpt = Format.TABLE,
    store: StoreOpt = None,
) -> None:
    """List the archived review packs, newest first."""
    from pdca.reports.archive import list_packs  # noqa: PLC0415

    with user_errors():
        frame = list_packs(store=store)
    emit_frame(frame, fmt, title="Archived review packs")


@reports_app.command("show")
def reports_show(
    pack: Annotated[int, typer.Argument(help="The pack's id (pdca reports list).")],
    fmt: FormatOpt = Format.TABLE,
    store: StoreOpt = None,
) -> None:
    """Show what an archived pack was built from: data version, imports, objectives, template."""
    from pdca.reports.archive import show_pack  # noqa: PLC0415

    with user_errors():
        record = show_pack(pack, store=store)
    emit_record(record, fmt, title=f"Review pack {pack}")


@reports_app.command("regenerate")
def reports_regenerate(
    pack: Annotated[int, typer.Argument(help="The pack's id (pdca reports list).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: pack-ID.html or .pdf here)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out even if pdca did not write it.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Rebuild an archived pack from its recorded inputs (template, period, objectives text, time
    stamp) on the store's data, which must be unchanged since. Exits with 1 when the rebuilt
    HTML differs from the recorded one."""
    from pdca.reports.archive import regenerate  # noqa: PLC0415

    with user_errors():
        done = with_progress(
            "rebuilding the pack",
            lambda _step: regenerate(pack, store=store, out=out, force=force),
        )
    typer.echo(f"pack {pack} rebuilt to {done.result.path.resolve()}")
    if done.identical:
        typer.echo("its HTML is identical to the archived pack's (SHA-256)")
        return
    err.print(
        "[bold red]error:[/] the rebuilt HTML differs from the archived pack's "
        f"(recorded with pdca {escape(str(done.record['pdca_version']))})",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(1)
