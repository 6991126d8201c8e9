"""The store: migrations, locking against a second process, atomic imports, Parquet export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import pdca
from pdca.engine.ddl import MIGRATIONS
from pdca.engine.store import DB_FILE, Store
from pdca.errors import ConfigError, StoreError, StoreLockedError
from pdca.ingest import LoadOptions, register
from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import load_mapping

register("mapped", lambda path, opts: batch_from_delimited(path, load_mapping(opts.mapping), opts))


def _csv(path: Path, tickets: int, events_per_ticket: int = 5) -> Path:
    rows = [
        f"T{t},2024-01-{1 + e % 28:02d} 10:{e % 60:02d}:00,step{e},G{e % 3}"
        for t in range(tickets)
        for e in range(events_per_ticket)
    ]
    path.write_text("id,when,what,team\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


MAP = textwrap.dedent(
    """
    source = "csv"
    [columns]
    case_id = "id"
    timestamp = "when"
    activity = "what"
    assignment_group = "team"
    [timestamp]
    format = "%Y-%m-%d %H:%M:%S"
    """
)


def _mapping(tmp: Path) -> Path:
    path = tmp / "map.toml"
    path.write_text(MAP, encoding="utf-8")
    return path


def _ingest_small(tmp: Path, store: Path, name: str = "small.csv", tickets: int = 3) -> None:
    batch = batch_from_delimited(
        _csv(tmp / name, tickets), load_mapping(_mapping(tmp)), LoadOptions(log="small")
    )
    with Store.open(store) as st:
        st.append(batch)


def test_new_store_is_migrated_to_the_latest_schema(store_dir: Path) -> None:
    with Store.open(store_dir) as st:
        assert st.schema_version() == len(MIGRATIONS)
        tables = set(st.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert {"events", "tickets", "surveys", "imports", "quarantine", "pdca_schema"} <= tables


def test_reading_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no pdca store"):
        pdca.status(tmp_path / "nowhere")


def test_second_process_gets_a_clear_lock_message(tmp_path: Path, store_dir: Path) -> None:
    _ingest_small(tmp_path, store_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time\n"
                "from pdca.engine.store import Store\n"
                f"s = Store.open({str(store_dir)!r})\n"
                "print('ready', flush=True)\n"
                "time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match=r"in use by process \d+") as info:
            Store.open(store_dir, read_only=True)
        assert "--store" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # once the other process is gone the store is intact
    assert int(pdca.status(store_dir)["events"].sum()) == 15


KILL_SCRIPT = """
import sys
from pathlib import Path

import pdca
from pdca.ingest import LoadOptions, register
from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import load_mapping

register("mapped", lambda path, opts: batch_from_delimited(path, load_mapping(opts.mapping), opts))
opts = LoadOptions(mapping=Path(sys.argv[3]), log="big")
pdca.ingest(sys.argv[1], store=sys.argv[2], options=opts, source="mapped")
"""


def _kill_when_writing(proc: subprocess.Popen[bytes], db: Path, extra: float) -> bool:
    """SIGKILL ``proc`` ``extra`` seconds after the database file starts to grow.

    The store writes the new rows into the database file inside the import's transaction, so
    a growing file means the transaction is open and not yet committed.
    """
    start = db.stat().st_size
    while proc.poll() is None:
        if db.stat().st_size != start:
            time.sleep(extra)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            return False
        time.sleep(0.002)
    return False


def test_import_killed_midway_leaves_the_store_as_it_was(tmp_path: Path, store_dir: Path) -> None:
    """kill -9 while an import writes: afterwards the store is exactly as before the import."""
    _ingest_small(tmp_path, store_dir)
    before = pdca.status(store_dir)
    before_imports = pdca.imports(store_dir)
    big = _csv(tmp_path / "big.csv", tickets=60_000, events_per_ticket=5)
    script = tmp_path / "run_import.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    killed = 0
    for extra in (0.0, 0.2, 0.5):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(big), str(store_dir), str(_mapping(tmp_path))]
        )
        killed += _kill_when_writing(proc, store_dir / DB_FILE, extra)
        proc.wait()
        after = pdca.status(store_dir)
        if "big" in set(after["log"]):
            # the import committed before the kill: then it must be complete
            assert int(after.loc[after["log"] == "big", "events"].iloc[0]) == 300_000
            break
        pd.testing.assert_frame_equal(after, before)
        pd.testing.assert_frame_equal(pdca.imports(store_dir), before_imports)
    assert killed >= 1, "no import was interrupted while writing"
    # the store still accepts the same import afterwards, completely
    report = pdca.ingest(
        big,
        store=store_dir,
        options=LoadOptions(mapping=_mapping(tmp_path), log="big"),
        source="mapped",
    )
    assert report.stored + report.duplicates == 300_000


def test_export_parquet_round_trips_the_tables(tmp_path: Path, store_dir: Path) -> None:
    _ingest_small(tmp_path, store_dir)
    files = pdca.export_parquet(tmp_path / "out", store=store_dir)
    assert sorted(p.name for p in files) == sorted(
        [
            "events.parquet",
            "tickets.parquet",
            "surveys.parquet",
            "imports.parquet",
            "quarantine.parquet",
        ]
    )
    events = pq.read_table(tmp_path / "out" / "events.parquet").to_pandas()
    assert len(events) == 15
    assert set(events["case_id"]) == {"T0", "T1", "T2"}
    assert (store_dir / DB_FILE).exists()


@pytest.mark.parametrize("fmt", ["xes", "ocel"])
def test_reimporting_an_export_into_its_store_adds_nothing(tmp_path: Path, fmt: str) -> None:
    """Events are recognised by content, whichever connector brings them (CSV, XES, OCEL)."""
    src = tmp_path / "tickets.csv"
    src.write_text(
        "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,location\n"
        "INC1,New,0,13/1/2024 09:00,Équipe Zürich,Liège\n"
        'INC1,Active,1,13/1/2024 09:30,"Group ""A"", B",?\n'
        "INC2,New,0,2/2/2024 08:00,?,\n",
        encoding="utf-8",
    )
    store = tmp_path / "s"
    first = pdca.ingest(src, store=store)
    assert first.stored == 3
    out = tmp_path / ("export.xes" if fmt == "xes" else "export.json")
    pdca.api.export(fmt, out, store=store)
    again = pdca.ingest(out, store=store, options=LoadOptions(log=first.log))
    assert (again.rows_read, again.stored, again.duplicates_in_store) == (3, 0, 3)


def test_the_memory_limit_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDCA_MEMORY_LIMIT", "123MB")
    with Store.open(tmp_path / "s") as st:
        got = st.query("SELECT current_setting('memory_limit') AS m")["m"].iloc[0]
    assert got.replace(" ", "").lower() in {"117.3mib", "123.0mb", "123mb"}
    monkeypatch.setenv("PDCA_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match="PDCA_MEMORY_LIMIT='lots' is not an amount of memory"):
        Store.open(tmp_path / "s")
    for small in ("10MB", "95MiB", "99999999B"):
        monkeypatch.setenv("PDCA_MEMORY_LIMIT", small)
        with pytest.raises(ConfigError, match=f"PDCA_MEMORY_LIMIT={small} is too small"):
            Store.open(tmp_path / "s")
