"""The fuzz targets: what each one generates, the fast call it makes, and its full path.

A target's *fast* call is what reads the hostile bytes: the connector's ``load(path, options)``
(reading, limits, canonicalisation, quarantine) and, for every file input, the source detection
that ``pdca ingest`` runs first; ``load_surveys`` for surveys; ``load_mapping`` (and a round
trip through ``mapping_to_toml``) for mapping files; ``pdca.api.spc`` for ``pdca spc``. Its *full*
path (run on a sample of the inputs) goes on as a user would: the batch appended to a fresh
store, then ``scorecard``, ``kpi`` and ``sla`` through :mod:`pdca.api` — a stored value that makes
a later command crash is a crash too.

A *crash* is any exception other than pdca's own clean errors (:class:`pdca.errors.PdcaError`
whose text is one line, which the command line prints as one line).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz.mutators import json_mutate, kind_of, mutate, mutate_file, splice
from fuzz.seeds import Seed, all_seeds
from pdca.ingest.options import LoadOptions

__all__ = ["CHARTS", "TARGETS", "Case", "Target", "json_mutate", "mutate"]

CHARTS = [
    "imr",
    "xbar-r",
    "xbar-s",
    "p",
    "np",
    "c",
    "u",
    "laney-p",
    "laney-u",
    "ewma",
    "cusum",
    "t",
    "g",
]
_SIZED = {"p", "np", "u", "laney-p", "laney-u"}
_SUBGROUPED = {"xbar-r", "xbar-s"}


@dataclass
class Case:
    """One generated input: its files (relative path -> bytes) and how the target reads them."""

    files: dict[str, bytes]
    entry: str
    mutated: str
    """The file that was mutated."""
    strategy: str
    extra: dict[str, str] = field(default_factory=dict)

    def write(self, root: Path) -> Path:
        """Write the files under ``root``; the path the target reads."""
        for name, data in self.files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root / self.entry


Reader = Callable[[Path, Case], Any]
FullPath = Callable[[Path, Case, Any, Path], None]


@dataclass(frozen=True)
class Target:
    """A fuzz target: its seeds' name, what it feeds, its fast call and its full path."""

    name: str
    feeds: str
    seeds: str
    read: Reader
    full: FullPath | None

    def make(self, rng: random.Random) -> Case:
        """A mutated copy of one of this target's seeds."""
        group = all_seeds()[self.seeds]
        seed: Seed = rng.choice(group)
        files = dict(seed.files)
        mutable = sorted(files)
        name = seed.main if rng.random() < 0.7 or len(mutable) == 1 else rng.choice(mutable)
        if rng.random() < 0.05:
            others = [
                data
                for s in _all_seed_files()
                for n, data in s.items()
                if kind_of(n) == kind_of(name)
            ]
            files[name] = splice(files[name], rng.choice(others), rng)
            strategy = "splice"
        else:
            files[name], strategy = mutate_file(name, files[name], rng)
            if rng.random() < 0.2:
                files[name], second = mutate_file(name, files[name], rng)
                strategy = f"{strategy}+{second}"
        extra = dict(seed.extra)
        if self.name == "spc" and rng.random() < 0.5:
            extra["chart"] = rng.choice(CHARTS)
        return Case(files, seed.entry, name, strategy, extra)


def _all_seed_files() -> list[dict[str, bytes]]:
    return [s.files for group in all_seeds().values() for s in group]


def _options(root: Path, case: Case) -> LoadOptions:
    mapping = case.extra.get("mapping")
    return LoadOptions(log="fuzz", mapping=root / mapping if mapping else None)


def _connector_reader(source: str) -> Reader:
    def read(path: Path, case: Case) -> Any:
        from pdca.ingest.sources import connector, detect_source  # noqa: PLC0415

        if path.is_file():
            detect_source(path)
        return connector(source).loader(path, _options(path.parent, case))

    return read


def _store_commands(store: Path) -> None:
    """What a user runs after an import: every scorecard, KPI and SLA view."""
    from pdca import api  # noqa: PLC0415

    api.scorecard(store=store)
    api.kpi(store=store)
    api.sla(store=store)


def _append(store: Path, batch: Any, path: Path) -> None:
    """The store half of ``pdca ingest`` (``pdca.api.data.ingest`` after the read)."""
    from pdca.api.data import _derivations, _refuse_if_nothing_fits  # noqa: PLC0415
    from pdca.engine.store import Store  # noqa: PLC0415

    _refuse_if_nothing_fits(batch.rows_read, len(batch.events), batch.quarantine, path)
    with Store.open(store) as st:
        st.append(batch, derive=_derivations())


def _connector_full(path: Path, _case: Case, batch: Any, store: Path) -> None:
    _append(store, batch, path)
    _store_commands(store)


def _read_surveys(path: Path, _case: Case) -> Any:
    from pdca.ingest.surveys import load_surveys  # noqa: PLC0415

    return load_surveys(path, log="fuzz")


_TEMPLATE: dict[str, Path] = {}


def _template_store(parent: Path) -> Path:
    """A store holding the simulated log the surveys are about (built once per process)."""
    if "store" not in _TEMPLATE or not _TEMPLATE["store"].exists():
        from pdca import api  # noqa: PLC0415

        seed = all_seeds()["store-log"][0]
        folder = parent / "template"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log = seed.files[seed.entry]
        (folder / "log.csv").write_bytes(log)
        api.ingest(folder / "log.csv", source="csv", store=folder / "store")
        _TEMPLATE["store"] = folder / "store"
    return _TEMPLATE["store"]


def _surveys_full(path: Path, _case: Case, _batch: Any, store: Path) -> None:
    from pdca import api  # noqa: PLC0415

    shutil.copytree(_template_store(store.parent.parent), store)
    api.ingest_surveys(path, store=store)
    api.scorecard(store=store)
    api.kpi(["csat", "nps"], store=store)


def _read_mapping(path: Path, _case: Case) -> Any:
    """Read the mapping, write it with ``mapping_to_toml`` and read that back (the written text
    must parse; equality is not required: docs/fuzzing.md says where the two differ)."""
    import tomllib  # noqa: PLC0415

    from pdca.errors import PdcaError  # noqa: PLC0415
    from pdca.ingest.mapping import load_mapping, parse_mapping  # noqa: PLC0415
    from pdca.ingest.mapping_toml import mapping_to_toml  # noqa: PLC0415

    mapping = load_mapping(path)
    try:
        parse_mapping(tomllib.loads(mapping_to_toml(mapping)), "written mapping")
    except (PdcaError, tomllib.TOMLDecodeError) as exc:  # pdca wrote what it cannot read
        raise AssertionError(f"mapping_to_toml's output does not read back: {exc}") from exc
    return mapping


def _mapping_full(path: Path, case: Case, _mapping: Any, store: Path) -> None:
    """The mapping applied to the simulator's canonical log, stored, then the commands."""
    from pdca.ingest.generic import load  # noqa: PLC0415

    seed = all_seeds()["store-log"][0]
    log = path.parent / "log.csv"
    log.write_bytes(seed.files[seed.entry])
    batch = load(log, LoadOptions(log="fuzz", mapping=path))
    _connector_full(log, case, batch, store)


def _spc_args(case: Case) -> tuple[str, dict[str, Any]]:
    chart = case.extra.get("chart", "imr")
    options: dict[str, Any] = {}
    if chart in _SIZED:
        options["size"] = "n"
    if chart in _SUBGROUPED:
        options["subgroup"] = "sample"
    return chart, options


def _read_spc(path: Path, case: Case) -> Any:
    from pdca import api  # noqa: PLC0415

    chart, options = _spc_args(case)
    return api.spc(path, chart, "hours", **options)


def _spc_full(path: Path, case: Case, _result: Any, _store: Path) -> None:
    """The chart drawn as ``pdca spc --svg`` does."""
    from pdca import api  # noqa: PLC0415

    chart, options = _spc_args(case)
    api.control_chart(path, chart, "hours", **options)


_EXTRA: dict[str, tuple[str, str, Reader, FullPath | None]] = {
    "ticket-list": (
        "ticket-list",
        "a ticket list (one row per ticket) read by the csv connector with a [dates] mapping",
        _connector_reader("csv"),
        _connector_full,
    ),
    "surveys": (
        "surveys",
        "a survey file (pdca ingest-surveys) read by ingest/surveys.py",
        _read_surveys,
        _surveys_full,
    ),
    "mapping": (
        "mapping",
        "a mapping TOML file read by ingest/mapping.py, written back by ingest/mapping_toml.py",
        _read_mapping,
        _mapping_full,
    ),
    "spc": ("spc", "a measurement CSV read by pdca spc (pdca.api.spc)", _read_spc, _spc_full),
}


SEEDED = frozenset(
    {"servicenow", "bpic2013", "csv", "xes", "ocel", "jira", "jira-csv", "zendesk", "glpi"}
    | {"znuny", "zammad", "osticket", "freshservice"}
)
"""The connectors that fuzz/seeds.py builds seeds for."""
UNSEEDED: list[str] = []
"""Connectors in the registry without seeds here (third-party ones): not fuzzed, reported."""


def _targets() -> dict[str, Target]:
    from pdca.ingest.sources import connectors  # noqa: PLC0415

    out: dict[str, Target] = {}
    for c in connectors():
        if c.name not in SEEDED:
            UNSEEDED.append(c.name)
            continue
        out[c.name] = Target(
            c.name, c.description, c.name, _connector_reader(c.name), _connector_full
        )
    for name, (seeds, feeds, read, full) in _EXTRA.items():
        out[name] = Target(name, feeds, seeds, read, full)
    return out


TARGETS: dict[str, Target] = _targets()
"""Every fuzz target by name: each connector in the registry, then ticket lists, surveys,
mapping files and ``pdca spc``."""
