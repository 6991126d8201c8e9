"""Web app load benchmark: 20 concurrent users on a ~1M-event store while an import runs.

    .venv/bin/python benchmarks/bench_web.py [--users 20] [--rounds 10] [--think 1]
        [--max-seconds 600]

Simulates the store once into a cache folder (``--cache``, default
``~/.cache/pdca/bench_web``; 208,000 tickets over two years, 1.13M events: at least 1M — the time it
took is printed and kept), adds an admin with an API token, and starts ``pdca serve`` on a free
port of 127.0.0.1 in a subprocess. Each user is a thread with its own ``httpx`` client and
bearer token; before each request a user waits ``--think`` seconds on average (uniform from
half to one and a half times it; 0: back to back, the server saturated). Pages: the scorecard
(``/``), the MTTR KPI page (``/kpis/mttr``) and the SLA page (``/sla``), and their REST
counterparts. ``pdca serve`` warms the usual pages in the background when it starts
(pdca/web/warm.py). Every route is requested once first (cold: computed unless the warm-up got
there first, or waiting for it), then timed:

1. *quiet*: each user asks each page ``--rounds`` times, in a shuffled order;
2. *import*: the same while the web app's import path (``POST /api/imports``, a staged copy of
   the store, then the desk is swapped) imports another simulated log of ``--import-tickets``
   tickets into the same store; timed requests stop when the import ends (it includes warming
   the new desk before it goes live) or the rounds are done;
3. *after*: two rounds on the new desk.

Bounded: at most ``users x rounds x 6`` timed requests a phase, and the whole run stops at
``--max-seconds`` (requests still running finish with a 60 s timeout). Prints p50/p95/max per
route and phase, and the import's own duration.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from pdca.records import Role, accounts, open_records
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate

TICKETS = 208_000
DAYS = 730
SEED = 7
ADMIN_PASSWORD = "bench-admin-password"
TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cached_store(cache: Path, tickets: int) -> tuple[Path, dict[str, Any]]:
    """The simulated store (made once); its marker holds how long making it took."""
    store = cache / f"store-{tickets}-{DAYS}d-seed{SEED}"
    marker = store / "bench_web.json"
    if marker.exists():
        return store, json.loads(marker.read_text())
    if store.exists():
        raise SystemExit(f"{store} is incomplete (no {marker.name}): remove it and run again")
    print(f"simulating {tickets:,} tickets over {DAYS} days into {store} (once) …", flush=True)
    began = time.perf_counter()
    report = simulate(SimulationConfig(tickets=tickets, days=DAYS, seed=SEED), store=store)
    seconds = time.perf_counter() - began
    made = {"tickets": tickets, "events": int(report.events), "seconds": round(seconds, 1)}
    marker.write_text(json.dumps(made))
    return store, made


def import_file(cache: Path, tickets: int) -> Path:
    """Another simulated log as CSV (what the background import uploads)."""
    out = cache / f"import-{tickets}.csv"
    if not out.exists():
        config = SimulationConfig(tickets=tickets, days=90, seed=SEED + 1, log="bench_import")
        simulate(config, out=out, fmt="csv", hidden=False)
    return out


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


def start_server(store: Path, work: Path) -> Server:
    """``pdca serve --store STORE --port FREE`` on 127.0.0.1."""
    port = _free_port()
    log = work / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pdca.interfaces.cli",
                "serve",
                "--store",
                str(store),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={k: v for k, v in os.environ.items() if k != "PDCA_RECORDS_URL"},
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"pdca serve stopped: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/login", timeout=5).status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    raise SystemExit("pdca serve did not answer within 120 s")


def admin_token(store: Path) -> str:
    records = open_records(store)
    try:
        with records.session() as db:
            if accounts.find_user(db, "bench") is None:
                accounts.add_user(db, "bench", ADMIN_PASSWORD, Role.ADMIN, who="bench_web")
            return accounts.issue_token(db, "bench", f"bench-{time.time_ns()}", who="bench_web")
    finally:
        records.close()


def routes(log: str) -> list[tuple[str, str]]:
    name = quote(log, safe="")
    return [
        ("scorecard page", "/"),
        ("KPI page (mttr)", f"/kpis/mttr?log={name}"),
        ("SLA page", f"/sla?log={name}"),
        ("scorecard API", f"/api/logs/{name}/scorecard"),
        ("KPI API (mttr/week)", f"/api/logs/{name}/kpis/mttr?period=week"),
        ("SLA API (summary)", f"/api/logs/{name}/sla/summary"),
    ]


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.seconds[route].append(seconds)
            if error:
                self.errors[route].append(error)


def user(
    base: str,
    token: str,
    paths: list[tuple[str, str]],
    rounds: int,
    timings: Timings,
    stop: threading.Event,
    seed: int,
    think: float = 0.0,
) -> None:
    order = [p for _ in range(rounds) for p in paths]
    chance = random.Random(seed)
    chance.shuffle(order)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as client:
        for route, path in order:
            if think and stop.wait(chance.uniform(0.5, 1.5) * think):
                return
            if stop.is_set():
                return
            began = time.perf_counter()
            error = None
            try:
                answer = client.get(path)
                answer.read()
                if answer.status_code != 200:
                    error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as failed:
                error = type(failed).__name__
            timings.add(route, time.perf_counter() - began, error)


def run_phase(
    base: str,
    token: str,
    log: str,
    users: int,
    rounds: int,
    stop: threading.Event,
    think: float = 0.0,
) -> tuple[Timings, float]:
    timings = Timings()
    threads = [
        threading.Thread(
            target=user,
            args=(base, token, routes(log), rounds, timings, stop, i, think),
            daemon=True,
        )
        for i in range(users)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def report(title: str, timings: Timings, wall: float) -> None:
    count = sum(len(v) for v in timings.seconds.values())
    rate = f" in {wall:.1f} s ({count / wall:.1f}/s)" if wall else ""
    print(f"\n{title}: {count} requests{rate}")
    print(f"  {'route':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  errors")
    for route, values in timings.seconds.items():
        ms = [v * 1000 for v in values]
        errors = timings.errors.get(route, [])
        said = f"{len(errors)} ({', '.join(sorted(set(errors)))})" if errors else "0"
        print(
            f"  {route:<22}{len(ms):>6}{percentile(ms, 0.5):>10.0f}{percentile(ms, 0.95):>10.0f}"
            f"{max(ms):>10.0f}  {said}"
        )


def sample_memory(pid: int, stop: threading.Event, peak: dict[str, float]) -> None:
    """The server's resident memory, sampled every half second (peak in MiB)."""
    import psutil  # noqa: PLC0415 (a dev dependency)

    process = psutil.Process(pid)
    while not stop.wait(0.5):
        with contextlib.suppress(psutil.Error):
            rss = process.memory_info().rss / 2**20
            peak["MiB"] = max(peak.get("MiB", 0.0), rss)


def start_import(base: str, token: str, path: Path) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    with path.open("rb") as handle:
        answer = httpx.post(
            base + "/api/imports",
            headers=headers,
            files={"file": (path.name, handle, "text/csv")},
            data={"log": "bench_import"},
            timeout=300,
        )
    if answer.status_code != 202:
        raise SystemExit(f"the import was refused: HTTP {answer.status_code} {answer.text[:300]}")
    return int(answer.json()["id"])


def watch_import(
    base: str, token: str, job: int, done: threading.Event, out: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    began = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as client:
        while True:
            try:
                state = client.get(f"/api/imports/jobs/{job}").json()
            except httpx.HTTPError:
                return  # the server stopped (the run's time was up)
            if state["state"] in {"done", "failed"}:
                out.update(state, seconds=time.perf_counter() - began)
                done.set()
                return
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="Requests per user and route.")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--import-tickets", type=int, default=30_000)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="Mean seconds a user waits before each request (uniform, 0.5 to 1.5 times it); "
        "0: each user asks again as soon as an answer arrives (a closed loop at saturation).",
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "pdca" / "bench_web")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    store_source, made = cached_store(args.cache, args.tickets)
    print(
        f"store: {made['events']:,} events, {made['tickets']:,} tickets "
        f"(simulated once in {made['seconds']} s)"
    )
    upload = import_file(args.cache, args.import_tickets)
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        work = Path(tmp)
        store = work / "store"
        # A copy per run: the import changes the store; the cached one stays as simulated.
        shutil.copytree(store_source, store)
        token = admin_token(store)
        server = start_server(store, work)
        stop = threading.Event()
        peak: dict[str, float] = {}
        sampler = threading.Thread(
            target=sample_memory, args=(server.process.pid, stop, peak), daemon=True
        )
        sampler.start()
        deadline = threading.Timer(args.max_seconds, stop.set)
        deadline.start()
        print(f"users think {args.think} s on average between requests (--think)")
        try:
            log = "simulated_incidents"
            began = time.perf_counter()
            cold = Timings()
            user(server.url, token, routes(log), 1, cold, stop, 0)
            report("cold (first request of each route, one user)", cold, 0.0)
            opened = time.perf_counter() - began
            print(f"  (the server opened the store and computed them in {opened:.1f} s)")
            quiet, wall = run_phase(
                server.url, token, log, args.users, args.rounds, stop, args.think
            )
            report(f"quiet: {args.users} users", quiet, wall)
            job = start_import(server.url, token, upload)
            finished = threading.Event()
            imported: dict[str, Any] = {}
            watcher = threading.Thread(
                target=watch_import, args=(server.url, token, job, finished, imported), daemon=True
            )
            watcher.start()
            during = Timings()
            wall_began = time.perf_counter()
            rounds_done = 0
            while not finished.is_set() and not stop.is_set():
                part, _ = run_phase(server.url, token, log, args.users, 1, finished, args.think)
                for route, values in part.seconds.items():
                    during.seconds[route].extend(values)
                for route, errors in part.errors.items():
                    during.errors[route].extend(errors)
                rounds_done += 1
                if rounds_done >= args.rounds * 5:
                    break
            report(
                f"during the import: {args.users} users (rounds while it ran: {rounds_done})",
                during,
                time.perf_counter() - wall_began,
            )
            finished.wait(timeout=max(0.0, args.max_seconds - (time.perf_counter() - began)))
            if imported:
                print(
                    f"\nimport of {upload.name} ({upload.stat().st_size / 1e6:.0f} MB, "
                    f"{args.import_tickets:,} tickets): {imported['state']} in "
                    f"{imported['seconds']:.1f} s; steps: {'; '.join(imported['steps'])}"
                )
            else:
                print("\nthe import had not finished when the run's time was up")
            after, wall = run_phase(server.url, token, log, args.users, 2, stop, args.think)
            report(f"after the import (new desk): {args.users} users", after, wall)
        finally:
            deadline.cancel()
            stop.set()
            print(f"\nserver's peak resident memory: {peak.get('MiB', 0.0):,.0f} MiB")
            server.stop()
            tail = server.log.read_text()[-1500:]
            if "Traceback" in tail:
                print("\nserver log (tail):\n" + tail)


if __name__ == "__main__":
    main()
