"""Coverage-guided fuzzing of one target with atheris (libFuzzer for Python; optional).

    pip install atheris          # a wheel for CPython 3.11 on Linux x86-64; not a pdca dependency
    nice -n 19 python -m fuzz.guided TARGET [libFuzzer options, e.g. -runs=100000 -max_len=65536]

The fuzzer's bytes replace the main file of the target's first seed (fuzz/seeds.py; the other
files of a folder seed stay valid), and the seeds' main files are its starting corpus (written
to ``/tmp/pdca-guided-TARGET``). pdca's ingest, model and SPC modules are instrumented, so inputs
that reach new branches are kept and mutated further. An exception other than a one-line
:class:`pdca.errors.PdcaError` stops the run and libFuzzer writes the input to ``crash-*``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path


def main() -> None:
    """Run atheris on the target named by the first argument."""
    try:
        import atheris  # type: ignore[import-not-found]  # noqa: PLC0415 (optional)
    except ImportError:
        sys.exit("atheris is not installed: pip install atheris")
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    name = sys.argv.pop(1)
    with atheris.instrument_imports(include=["pdca.ingest", "pdca.model", "pdca.methods.spc"]):
        from fuzz.seeds import all_seeds  # noqa: PLC0415
        from fuzz.targets import TARGETS, Case  # noqa: PLC0415
        from pdca.errors import PdcaError  # noqa: PLC0415

        target = TARGETS[name]
        for module in ("generic", "xes", "ocel", "surveys", "mapping", "mapping_toml"):
            __import__(f"pdca.ingest.{module}")
    seeds = all_seeds()[target.seeds]
    corpus = Path(tempfile.gettempdir()) / f"pdca-guided-{name}"
    corpus.mkdir(exist_ok=True)
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(seed.files[seed.main])
    seed = seeds[0]
    work = Path(tempfile.mkdtemp(prefix="pdca-guided-"))

    def one_input(data: bytes) -> None:
        files = dict(seed.files)
        files[seed.main] = data
        case = Case(files, seed.entry, seed.main, "guided", dict(seed.extra))
        shutil.rmtree(work / "in", ignore_errors=True)
        path = case.write(work / "in")
        try:
            target.read(path, case)
        except PdcaError as exc:
            if "\n" in str(exc).strip():
                raise

    atheris.Setup([sys.argv[0], str(corpus), *sys.argv[1:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
