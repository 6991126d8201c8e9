"""Background jobs of the web app (imports and pulls): one at a time, and never in readers' way.

**Why a copy.** The analytics store is one DuckDB file with one writer. The app's desk
(:func:`pdca.open`) holds it open read-only, and DuckDB then refuses a writer: another process
gets the lock error, and this process cannot open the same file for writing either ("a different
configuration than existing connections"). Closing the desk for the length of an import would
stop every page. So an import here works on a **copy** of the store's database:

1. *stage*: the database file the desk reads is copied (read-only readers do not mind) into
   ``<store>/.web/stage-<n>/`` with the store's ``objectives.toml``;
2. *import*: :func:`pdca.api.ingest` (or :func:`pdca.api.pull`) writes into that copy, through
   the same connectors, bounded readers and reports as ``pdca ingest`` — while every page keeps
   reading the old data through the old desk;
3. *publish*: the copy becomes the store's ``pdca.duckdb`` (a hard link renamed over it, atomic)
   and a new desk is opened on the copy's folder (a path DuckDB has not opened yet — DuckDB
   shares one database per path within a process, so reopening the old path would show the old
   data). The app's desk is swapped; requests already running finish on the old desk, which is
   closed :data:`RETIRE_AFTER` seconds later.

Jobs run one at a time in one worker thread (DuckDB's one writer), so two uploads queue. A job
that fails leaves the store as it was (the copy is dropped). Every job is written to the audit log
(who, when, what, the counts). The cost is the copy of the database file (proportional to its
size; not yet measured on a 1M-event store) and, for ``RETIRE_AFTER`` seconds, two open desks.
tests/web/test_imports.py checks that pages answer while an import holds the writer.

Caveat: everything in this app that writes to the DuckDB store must go through :class:`Jobs`
(``jobs.submit``), and a ``pdca ingest`` in another process is refused with the lock error while
the app runs (as before).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pdca.errors import PdcaError
from pdca.web.state import WebState

LOG = logging.getLogger(__name__)
WORK_DIR = ".web"
STAGE_PREFIX = "stage-"
DB_FILE = "pdca.duckdb"
OBJECTIVES_FILE = "objectives.toml"
RETIRE_AFTER = 120.0
"""Seconds a replaced desk stays open for the requests still using it."""
KEEP_JOBS = 200
"""Finished jobs remembered (in memory: the import history itself is in the store)."""

Progress = Callable[[str], None]
Work = Callable[[Path, Progress], dict[str, Any]]
"""A job's work: given the staged store folder and a progress callback, it writes into the
folder and returns its report as plain data."""


@dataclass
class Job:
    """One import or pull: its state (queued, running, done, failed), its steps, its report."""

    id: int
    kind: str
    who: str
    what: str
    queued_at: datetime
    state: str = "queued"
    steps: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in {"done", "failed"}

    def public(self) -> dict[str, Any]:
        """Plain data for the page and the REST API."""

        def stamp(at: datetime | None) -> str | None:
            return at.isoformat(timespec="seconds") if at else None

        return {
            "id": self.id,
            "kind": self.kind,
            "who": self.who,
            "what": self.what,
            "state": self.state,
            "steps": list(self.steps),
            "queued_at": stamp(self.queued_at),
            "started_at": stamp(self.started_at),
            "finished_at": stamp(self.finished_at),
            "report": self.report,
            "error": self.error,
        }


class Jobs:
    """The app's job queue and the swap of its desk (one per app: :func:`jobs_of`)."""

    def __init__(self, web: WebState, *, retire_after: float = RETIRE_AFTER) -> None:
        self.web = web
        self.retire_after = retire_after
        self.work = web.store / WORK_DIR
        self.live_root: Path = web.store
        """The folder whose database the app's desk reads (the store, or the last stage)."""
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._next = 1
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdca-job")
        self._remove_stale_stages()

    # -- the queue -----------------------------------------------------------------------------
    def submit(self, kind: str, who: str, what: str, work: Work) -> Job:
        """Queue ``work`` (it runs after the jobs before it); the job is returned at once."""
        with self._lock:
            job = Job(self._next, kind, who, what, datetime.now(UTC))
            self._next += 1
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[:-KEEP_JOBS]:
                if self._jobs[old].finished:
                    del self._jobs[old]
        self._executor.submit(self._run, job, work)
        return job

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """The jobs remembered, newest first."""
        return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def wait(self, job_id: int, timeout: float = 60.0) -> Job:
        """Block until the job has finished (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        job = self._jobs[job_id]
        while not job.finished and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.state, job.started_at = "running", datetime.now(UTC)

        def progress(step: str) -> None:
            job.steps.append(step)

        stage: Path | None = None
        try:
            progress("copying the store")
            stage = self._stage()
            job.report = work(stage, progress)
            progress("publishing")
            self._publish(stage)
            stage = None
            job.state = "done"
        except PdcaError as exc:
            job.error = " ".join(str(exc).split())
            job.state = "failed"
        except Exception:
            LOG.exception("job %s (%s) failed", job.id, job.kind)
            job.error = "internal error: see the server's log"
            job.state = "failed"
        finally:
            if stage is not None:
                shutil.rmtree(stage, ignore_errors=True)
            job.finished_at = datetime.now(UTC)
            self._audit(job)

    def _audit(self, job: Job) -> None:
        from pdca.records import audit  # noqa: PLC0415

        report = job.report or {}
        counts: dict[str, Any] = {
            k: report[k]
            for k in ("import_id", "log", "rows_read", "stored", "quarantined", "duplicates")
            if k in report
        }
        try:
            with self.web.records.session() as db:
                audit(
                    db,
                    job.who,
                    f"{job.kind}.{job.state}",
                    f"job:{job.id}",
                    {"what": job.what, "error": job.error, **counts},
                )
        except Exception:  # the import stands; the log says why its record is missing
            LOG.exception("cannot write the audit entry of job %s", job.id)

    # -- staging and publishing ----------------------------------------------------------------
    def _remove_stale_stages(self) -> None:
        if self.work.is_dir():
            for old in self.work.glob(f"{STAGE_PREFIX}*"):
                shutil.rmtree(old, ignore_errors=True)

    def _stage(self) -> Path:
        self.work.mkdir(parents=True, exist_ok=True)
        stage = self.work / f"{STAGE_PREFIX}{time.time_ns()}"
        stage.mkdir()
        live = self.live_root / DB_FILE
        if live.is_file():
            shutil.copyfile(live, stage / DB_FILE)
        objectives = self.web.store / OBJECTIVES_FILE
        if objectives.is_file():  # the import re-verifies initiatives with the store's targets
            shutil.copyfile(objectives, stage / OBJECTIVES_FILE)
        return stage

    def _publish(self, stage: Path) -> None:
        (stage / OBJECTIVES_FILE).unlink(missing_ok=True)  # the store's file stays the one read
        shutil.rmtree(stage / "spool", ignore_errors=True)
        target = self.web.store / DB_FILE
        link = self.web.store / f"{DB_FILE}.web-new"
        link.unlink(missing_ok=True)
        link.hardlink_to(stage / DB_FILE)
        link.replace(target)
        self.swap_desk(stage)

    def swap_desk(self, root: Path | None = None, *, warm_first: bool = True) -> None:
        """Open a new desk on ``root`` (default: the folder read now) with the objectives the
        store resolves now, make it the app's, and retire the old one. With the app's ``warm``
        setting the new desk first answers the usual pages (:mod:`pdca.web.warm`), so pages
        keep answering from the old desk, quickly, until the new one can; without
        ``warm_first`` (new objectives must show at once) it is swapped in first and warmed in
        the background."""
        import pdca  # noqa: PLC0415
        from pdca.api.common import resolve_objectives  # noqa: PLC0415

        root = root or self.live_root
        objectives = resolve_objectives(None, store=self.web.store)
        new = pdca.open(root, objectives=objectives)
        if self.web.settings.warm and warm_first:
            from pdca.web.warm import warm  # noqa: PLC0415

            warm(new)
        with self._lock:
            old, old_root = self.web.desk, self.live_root
            self.web.desk, self.live_root = new, root
        if old is not None:
            stale = old_root if old_root != root and old_root.parent == self.work else None
            timer = threading.Timer(self.retire_after, _retire, (old, stale))
            timer.daemon = True
            timer.start()
        if self.web.settings.warm and not warm_first:
            from pdca.web.warm import warm_in_background  # noqa: PLC0415

            warm_in_background(new)


def _retire(desk: Any, folder: Path | None) -> None:
    close = getattr(desk, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):
            close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_MAKING = threading.Lock()


def jobs_of(web: WebState) -> Jobs:
    """The app's :class:`Jobs`, made on first use."""
    found = web.extras.get(__name__)
    if found is None:
        with _MAKING:
            found = web.extras.get(__name__)
            if found is None:
                found = web.extras[__name__] = Jobs(web)
    assert isinstance(found, Jobs)
    return found
