# ruff: noqa: T201, S311 - a command-line script; the inputs need no secure randomness
"""Long fuzzing run: N generated inputs per target; reports crashes (exceptions other than pdca's
clean one-line errors) and saves each crashing input.

    python -m fuzz.run --inputs 100000 --workers 2 --out /tmp/pdca-fuzz

Prints one line per target: inputs, imported, clean errors, crashes, inputs per second; exits 1
when anything crashed. ``--seconds`` gives each target a time budget (the run stops early and
reports the inputs it ran). ``--seed`` makes a run repeatable (each worker derives its own seed).
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz.targets import TARGETS


def _work(job: tuple[str, int, int, str]) -> tuple[str, int, int, int, list[str]]:
    from pdca.errors import PdcaError  # noqa: PLC0415

    name, count, seed, out = job
    make, call = TARGETS[name]
    rng = random.Random(seed)
    ok = clean = 0
    crashes: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(count):
            data, suffix = make(rng)
            path = Path(folder) / f"input{suffix}"
            path.write_bytes(data)
            try:
                call(path)
            except PdcaError as exc:
                if "\n" in str(exc).strip():
                    crashes.append(_save(out, (name, seed, i, suffix), data, "multi-line error"))
                else:
                    clean += 1
            except Exception as exc:
                where = traceback.extract_tb(exc.__traceback__)[-1]
                what = f"{type(exc).__name__}: {exc} at {where.filename}:{where.lineno}"
                crashes.append(_save(out, (name, seed, i, suffix), data, what))
            else:
                ok += 1
    return name, ok, clean, len(crashes), crashes


def _save(out: str, key: tuple[str, int, int, str], data: bytes, what: str) -> str:
    name, seed, i, suffix = key
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"crash-{seed}-{i}{suffix}"
    target.write_bytes(data)
    return f"{what[:300]} ({target})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000, help="inputs per target")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "pdca-fuzz"))
    parser.add_argument(
        "--seconds", type=float, default=0, help="time budget per target (0: none); stops early"
    )
    args = parser.parse_args()
    failed = False
    chunk = 250
    for name in args.targets.split(","):
        jobs = []
        left, n = args.inputs, 0
        while left > 0:
            jobs.append((name, min(chunk, left), args.seed * 1_000_003 + n, args.out))
            left -= chunk
            n += 1
        start = time.time()
        totals: collections.Counter[str] = collections.Counter()
        examples: list[str] = []
        with multiprocessing.Pool(args.workers) as pool:
            for _, ok, clean, crashed, crashes in pool.imap_unordered(_work, jobs):
                totals.update(ok=ok, clean=clean, crashes=crashed)
                examples.extend(crashes)
                if args.seconds and time.time() - start > args.seconds:
                    pool.terminate()  # the time budget is spent: report what was run
                    break
        took = time.time() - start
        total = sum(totals.values())
        print(
            f"{name}: {total} inputs, {totals['ok']} read, {totals['clean']} clean errors, "
            f"{totals['crashes']} crashes, {took:.0f} s ({total / took:.0f} inputs/s)",
            flush=True,
        )
        kinds = collections.Counter(e.split(" (")[0] for e in examples)
        for kind, count in kinds.most_common(10):
            print(f"  {count} x {kind}", flush=True)
        failed |= bool(examples)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
