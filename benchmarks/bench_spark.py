"""Spark (local mode) against DuckDB: the same Ibis analyses on the same simulated log.

    .venv/bin/python benchmarks/bench_spark.py                       # 1M events, local[2]
    .venv/bin/python benchmarks/bench_spark.py --events 10M --driver-memory 8g
    .venv/bin/python benchmarks/bench_spark.py --parquet DIR --store DIR   # an existing export

Needs the ``spark`` extra (``pip install -e ".[spark]"``) and Java 17+.

1. Unless ``--store`` and ``--parquet`` are given: simulate the log into a fresh store
   (``pdca.simulate``; about 5.4 events per ticket, over ``--days`` days) and export it with
   ``pdca export --to parquet`` (not timed).
2. Run each analysis on DuckDB (the store) and on Spark (``SparkStore.open_parquet`` on the
   export, ``--master``, default ``local[2]``), first DuckDB then Spark, one after the other,
   in this process. Both engines get the same Ibis expressions — KPIs per month, process map,
   start activities, variants, case durations — computed from the events and the tickets
   table, without the tables a DuckDB store keeps at import (Spark has none), so the numbers
   compare engines, not caches. Both also compute the ticket facts from the events (what an
   import does; fetched as Arrow, so the transfer to Python is in both numbers).
3. Print seconds per analysis and engine, the Spark/DuckDB ratio, whether the results agree
   (same row count and same integer columns), and one JSON line with every number.

Spark's session start (JVM) is reported apart. On one machine Spark pays for its generality
(JVM, task scheduling, shuffles through local disk); the comparison says what a move to a
cluster costs on one node, not what a cluster gains.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.api.data import export
from pdca.engine.spark import SparkStore, spark_session
from pdca.engine.store import Store
from pdca.methods import mining
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.model.facts import ticket_facts
from pdca.simulate import SimulationConfig, simulate

EVENTS_PER_TICKET = 5.4
LOG = "simulated_incidents"


def parse_size(text: str) -> int:
    """``1M``, ``10m``, ``250k`` or a plain number of events."""
    units = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
    unit = units.get(text[-1].lower())
    return round(float(text[:-1]) * unit) if unit else int(text)


def _prepare(events: int, days: int, work: Path) -> tuple[Path, Path, str]:
    store, parquet = work / "store", work / "parquet"
    tickets = round(events / EVENTS_PER_TICKET)
    began = time.perf_counter()
    report = simulate(SimulationConfig(tickets=tickets, days=days), store=store, hidden=False)
    print(
        f"simulated {report.events:,} events ({report.tickets:,} tickets) in"
        f" {time.perf_counter() - began:.0f} s",
        file=sys.stderr,
    )
    export("parquet", parquet, store=store)
    return store, parquet, LOG


def _analyses() -> dict[str, Callable[[Any, str], pd.DataFrame]]:
    def kpi(name: str) -> Callable[[Any, str], pd.DataFrame]:
        return lambda st, log: evaluate(
            Inputs(st.events(log), st.tickets(log)), Query(name, period="month")
        )

    return {
        "kpi volume": kpi("volume"),
        "kpi mttr": kpi("mttr"),
        "kpi reopen_rate": kpi("reopen_rate"),
        "kpi backlog": kpi("backlog"),
        "process map": lambda st, log: mining.process_map(st.events(log)),
        "start activities": lambda st, log: mining.start_activities(st.events(log)),
        "variants": lambda st, log: mining.variant_table(st.events(log)),
        "end activities": lambda st, log: mining.end_activities(st.events(log)),
        "case durations": lambda st, log: mining.case_durations(st.events(log)),
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - began, 2), out


def _agree(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if len(a) != len(b) or list(a.columns) != list(b.columns):
        return False
    ints = [c for c in a.columns if pd.api.types.is_integer_dtype(a[c])]
    return all(a[c].tolist() == b[c].tolist() for c in ints)


def run(store: Path, parquet: Path, log: str, master: str, driver_memory: str) -> dict[str, Any]:
    analyses = _analyses()
    out: dict[str, Any] = {"analyses": {}}
    duck_results = {}
    with Store.open(store, read_only=True) as st:
        out["events"] = int(st.events(log).count().execute())
        for name, fn in analyses.items():
            seconds, duck_results[name] = _timed(lambda fn=fn: fn(st, log))
            out["analyses"][name] = {"duckdb_s": seconds}
            print(f"  duckdb {name}: {seconds} s", file=sys.stderr, flush=True)
        out["ticket_facts_duckdb_s"], _ = _timed(lambda: ticket_facts(st.events(log)).to_pyarrow())
    out["spark_start_s"], session = _timed(
        lambda: spark_session(master, conf={"spark.driver.memory": driver_memory})
    )
    with SparkStore.open_parquet(parquet, session=session) as sp:
        for name, fn in analyses.items():
            seconds, frame = _timed(lambda fn=fn: fn(sp, log))
            row = out["analyses"][name]
            row.update(
                spark_s=seconds,
                ratio=round(seconds / max(row["duckdb_s"], 0.01), 1),
                agree=_agree(duck_results[name], frame),
            )
            print(f"  spark {name}: {seconds} s", file=sys.stderr, flush=True)
        out["ticket_facts_spark_s"], _ = _timed(lambda: ticket_facts(sp.events(log)).to_pyarrow())
    session.stop()
    return out


def _table(result: dict[str, Any]) -> str:
    head = f"{'analysis':<18} {'DuckDB s':>9} {'Spark s':>9} {'Spark/DuckDB':>13} {'agree':>6}"
    lines = [head, "-" * len(head)]
    for name, r in result["analyses"].items():
        lines.append(
            f"{name:<18} {r['duckdb_s']:>9.2f} {r['spark_s']:>9.2f} {r['ratio']:>12.1f}x"
            f" {'yes' if r['agree'] else 'NO':>6}"
        )
    d, s = result["ticket_facts_duckdb_s"], result["ticket_facts_spark_s"]
    lines.append(f"{'ticket facts':<18} {d:>9.2f} {s:>9.2f} {s / max(d, 0.01):>12.1f}x")
    lines.append(f"Spark session start: {result['spark_start_s']:.1f} s (not in the rows above)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", default="1M", help="events to simulate, e.g. 1M, 10M")
    parser.add_argument("--days", type=int, default=3650, help="simulated days (default 3650)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="4g", help="spark.driver.memory")
    parser.add_argument("--store", type=Path, help="an existing pdca store (with --parquet)")
    parser.add_argument("--parquet", type=Path, help="its `pdca export --to parquet` directory")
    parser.add_argument("--log", default=LOG, help="the log to analyse (with --store)")
    parser.add_argument("--dir", type=Path, default=None, help="where the store goes (temp)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the simulated store and export (for re-runs)"
    )
    args = parser.parse_args()
    # PySpark 4.0 under pandas 3 warns about its own astype(copy=False) calls
    warnings.filterwarnings("ignore", "The copy keyword is deprecated", DeprecationWarning)
    print(f"{os.cpu_count()} CPUs, Spark master {args.master}", file=sys.stderr)
    work = None
    if args.store and args.parquet:
        store, parquet, log = args.store, args.parquet, args.log
    else:
        work = Path(tempfile.mkdtemp(prefix="pdca-spark-", dir=args.dir))
        store, parquet, log = _prepare(parse_size(args.events), args.days, work)
        if args.keep:
            print(f"kept: --store {store} --parquet {parquet}", file=sys.stderr)
    try:
        result = run(store, parquet, log, args.master, args.driver_memory)
    finally:
        if work is not None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result.update(master=args.master, cpus=os.cpu_count())
    print(f"{result['events']:,} events")
    print(_table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
