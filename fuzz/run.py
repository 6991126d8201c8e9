# ruff: noqa: T201, S311 - a command-line script; the inputs need no secure randomness
"""Long fuzzing run: N generated inputs per target; reports crashes (exceptions other than pdca's
clean one-line errors) and saves each crashing input.

    nice -n 19 python -m fuzz.run --inputs 1000000 --workers 1 --seconds 600 --out /tmp/pdca-fuzz

Prints one line per target: inputs, imported, clean errors, crashes, inputs per second, and the
full-path sample (1 input in ``--sample`` also goes into a fresh store and through scorecard, kpi
and sla): sampled, stored, clean errors, crashes. Exits 1 when anything crashed. ``--seconds``
gives each target a time budget (the run stops early and reports the inputs it ran); ``--seed``
makes a run repeatable (each job derives its own seed). ``--workers 1`` runs in this process
(no pool; the seeds are generated once). Writes ``summary.json`` and the crashing inputs (their
files and ``traceback.txt``, at most 5 per distinct crash) under ``--out``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

KEPT_PER_CRASH = 5


@dataclass
class Tally:
    """What one job (or one target, summed) saw."""

    inputs: int = 0
    imported: int = 0
    clean: int = 0
    crashes: int = 0
    sampled: int = 0
    stored: int = 0
    full_clean: int = 0
    full_crashes: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        """Sum another tally into this one."""
        for name in ("inputs", "imported", "clean", "crashes", "sampled", "stored"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.full_clean += other.full_clean
        self.full_crashes += other.full_crashes
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.kinds.update(other.kinds)
        for kind, where in other.examples.items():
            self.examples.setdefault(kind, where)


class HangError(Exception):
    """An input took longer than ``--timeout`` seconds."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise HangError("no result within the time limit")


def _scratch() -> Path:
    """A per-process scratch folder in memory (tmpfs) when there is one."""
    shm = Path("/dev/shm")  # noqa: S108 (a private per-process folder in memory)
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    folder = base / f"pdca-fuzz-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kind(exc: BaseException) -> str:
    """Exception type and its innermost frame in pdca (else the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/pdca/" in f.filename] or frames
    where = f" at {ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno}" if ours else ""
    return f"{type(exc).__name__}{where}"


def _verdict(call: Any, *args: Any) -> tuple[str, Any, BaseException | None]:
    """``("ok", result)``, ``("clean", None)`` or ``("crash", exc)`` for one call."""
    from pdca.errors import PdcaError  # noqa: PLC0415

    try:
        return "ok", call(*args), None
    except PdcaError as exc:
        if "\n" in str(exc).strip():
            return "crash", None, exc
        return "clean", None, None
    except Exception as exc:  # every other exception is what the fuzzer looks for
        return "crash", None, exc


class Job:
    """Runs inputs of one target in this process and tallies them."""

    def __init__(self, name: str, out: Path, sample: int, timeout: float) -> None:
        from fuzz.targets import TARGETS  # noqa: PLC0415 (the worker imports pdca once)

        self.target = TARGETS[name]
        self.name, self.out, self.sample, self.timeout = name, out, sample, timeout
        self.scratch = _scratch()
        self.saved: collections.Counter[str] = collections.Counter()
        self.cold_seeds = self.warm()

    def warm(self) -> list[str]:
        """Read every unmutated seed once (imports, caches) before any input is timed; returns
        the seeds that do not read (a bug in fuzz/seeds.py), also printed."""
        from fuzz.seeds import all_seeds  # noqa: PLC0415
        from fuzz.targets import Case  # noqa: PLC0415

        failed: list[str] = []
        for i, seed in enumerate(all_seeds()[self.target.seeds]):
            case = Case(dict(seed.files), seed.entry, seed.main, "none", dict(seed.extra))
            root = self.scratch / "warm"
            shutil.rmtree(root, ignore_errors=True)
            verdict, _, exc = _verdict(self.target.read, case.write(root / "in"), case)
            if verdict != "ok":
                failed.append(f"seed {i} of {self.name} does not read: {exc}")
                print(f"warning: {failed[-1]}", flush=True)
        shutil.rmtree(self.scratch / "warm", ignore_errors=True)
        return failed

    def run(self, count: int, seed: int, deadline: float) -> Tally:
        """Up to ``count`` inputs (or until ``deadline``, a ``time.time()``)."""
        rng = random.Random(seed)
        tally = Tally()
        start, cpu = time.time(), time.process_time()
        old = signal.signal(signal.SIGALRM, _alarm)
        try:
            for i in range(count):
                if deadline and time.time() > deadline:
                    break
                self._one(rng, (seed, i), tally)
        finally:
            signal.signal(signal.SIGALRM, old)
            shutil.rmtree(self.scratch, ignore_errors=True)  # nothing is left in /dev/shm
        tally.seconds = time.time() - start
        tally.cpu = time.process_time() - cpu
        return tally

    def _one(self, rng: random.Random, key: tuple[int, int], tally: Tally) -> None:
        case = self.target.make(rng)
        full = self.target.full is not None and self.sample > 0 and rng.randrange(self.sample) == 0
        root = self.scratch / "case"
        shutil.rmtree(root, ignore_errors=True)
        path = case.write(root / "in")
        tally.inputs += 1
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            verdict, result, exc = _verdict(self.target.read, path, case)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if verdict == "ok":
            tally.imported += 1
        elif verdict == "clean":
            tally.clean += 1
        else:
            self._crash(tally, case, key, exc, "read")
            return
        if full and verdict == "ok" and self.target.full is not None:
            tally.sampled += 1
            signal.setitimer(signal.ITIMER_REAL, self.timeout * 4)
            try:
                verdict, _, exc = _verdict(self.target.full, path, case, result, root / "store")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if verdict == "ok":
                tally.stored += 1
            elif verdict == "clean":
                tally.full_clean += 1
            else:
                self._crash(tally, case, key, exc, "full")

    def _crash(
        self, tally: Tally, case: Any, key: tuple[int, int], exc: BaseException | None, where: str
    ) -> None:
        kind = f"{where}: {_kind(exc) if exc else 'unknown'}"
        if where == "read":
            tally.crashes += 1
        else:
            tally.full_crashes += 1
        tally.kinds[kind] += 1
        self.saved[kind] += 1
        if self.saved[kind] > KEPT_PER_CRASH:
            return
        folder = self.out / self.name / f"crash-{key[0]}-{key[1]}"
        case.write(folder)
        text = "".join(traceback.format_exception(exc)) if exc else "unknown"
        (folder / "traceback.txt").write_text(
            f"target {self.name}; mutated {case.mutated} by {case.strategy}; "
            f"extra {case.extra}; path {case.entry}\n{text}",
            encoding="utf-8",
        )
        tally.examples.setdefault(kind, str(folder))


_JOBS: dict[str, Job] = {}


def _work(job: tuple[str, int, int, str, int, float, float]) -> Tally:
    name, count, seed, out, sample, timeout, deadline = job
    if name not in _JOBS:
        _JOBS[name] = Job(name, Path(out), sample, timeout)
    return _JOBS[name].run(count, seed, deadline)


def _report(name: str, tally: Tally, took: float) -> str:
    rate = tally.inputs / took if took else 0.0
    per_cpu = tally.inputs / tally.cpu if tally.cpu else 0.0
    head = (
        f"{name}: {tally.inputs} inputs, {tally.imported} imported, {tally.clean} clean errors, "
        f"{tally.crashes} crashes, {took:.0f} s ({rate:.1f} inputs/s; {per_cpu:.1f} per CPU "
        "second); full path: "
        f"{tally.sampled} sampled, {tally.stored} stored and queried, "
        f"{tally.full_clean} clean errors, {tally.full_crashes} crashes"
    )
    lines = [head]
    for kind, count in tally.kinds.most_common(10):
        lines.append(f"  {count} x {kind} (e.g. {tally.examples.get(kind, '-')})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the targets; print one report line each; exit 1 when anything crashed."""
    from fuzz.targets import TARGETS, UNSEEDED  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000, help="inputs per target")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "pdca-fuzz"))
    parser.add_argument(
        "--seconds", type=float, default=0, help="time budget per target (0: none); stops early"
    )
    parser.add_argument(
        "--sample", type=int, default=200, help="1 input in SAMPLE takes the full path (0: none)"
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds per input (a hang)")
    args = parser.parse_args(argv)
    names = [n for n in args.targets.split(",") if n]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")
    if UNSEEDED:
        print(f"not fuzzed (no seeds in fuzz/seeds.py): {', '.join(UNSEEDED)}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m fuzz.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "targets": {},
    }
    failed = False
    pool = multiprocessing.Pool(args.workers) if args.workers > 1 else None
    try:
        for name in names:
            tally, took = _run_target(name, args, pool)
            print(_report(name, tally, took), flush=True)
            summary["targets"][name] = {
                "inputs": tally.inputs,
                "imported": tally.imported,
                "clean_errors": tally.clean,
                "crashes": tally.crashes,
                "seconds": round(took, 1),
                "inputs_per_s": round(tally.inputs / took, 2) if took else None,
                "cpu_seconds": round(tally.cpu, 1),
                "inputs_per_cpu_s": round(tally.inputs / tally.cpu, 2) if tally.cpu else None,
                "full_sampled": tally.sampled,
                "full_stored": tally.stored,
                "full_clean_errors": tally.full_clean,
                "full_crashes": tally.full_crashes,
                "crash_kinds": dict(tally.kinds),
                "examples": tally.examples,
            }
            (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
            failed |= bool(tally.crashes or tally.full_crashes)
    finally:
        if pool is not None:
            pool.terminate()
    return 1 if failed else 0


def _run_target(name: str, args: argparse.Namespace, pool: Any) -> tuple[Tally, float]:
    if pool is None and name not in _JOBS:  # seeds and warm-up before the clock starts
        _JOBS[name] = Job(name, Path(args.out), args.sample, args.timeout)
    start = time.time()
    deadline = start + args.seconds if args.seconds else 0.0
    chunk = 100 if pool is not None else args.inputs
    jobs = []
    left, n = args.inputs, 0
    while left > 0:
        seed = args.seed * 1_000_003 + n
        jobs.append((name, min(chunk, left), seed, args.out, args.sample, args.timeout, deadline))
        left -= chunk
        n += 1
    total = Tally()
    if pool is None:
        for job in jobs:
            total.add(_work(job))
    else:
        for tally in pool.imap_unordered(_work, jobs):
            total.add(tally)
            if deadline and time.time() > deadline:
                break
    return total, time.time() - start


if __name__ == "__main__":
    sys.exit(main())
