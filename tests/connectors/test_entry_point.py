"""A third-party connector installed as a package appears in `--source` and `pdca ingest --help`
and imports (docs/connectors.md, "Adding a connector").

The test builds a tiny wheel by hand (a module and its ``.dist-info`` with an entry point in the
group ``pdca.connectors``), installs it with pip (offline, into a folder of its own that the
subprocesses put on their path, so the test venv itself is left as it was), and runs the console
script as a user would.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pdca.ingest.sources import ENTRY_POINT_GROUP

PLUGIN = '''
"""Pipe-separated history of the Tiny tool (case|time|status)."""

from pathlib import Path

import pandas as pd

from pdca.ingest.history import batch_from_frame, utc_text

STATES = {"open": "new", "working": "in_progress", "done": "resolved"}


def load(path: Path, options):
    """Tiny tool: pipe-separated ticket history (case|time|status)."""
    rows = [line.split("|") for line in path.read_text().splitlines() if line]
    frame = pd.DataFrame(rows, columns=["case_id", "timestamp", "activity"])
    frame["timestamp"] = utc_text(frame["timestamp"])
    return batch_from_frame(frame, source="tinytool", states=STATES, path=path, options=options)
'''


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _wheel(folder: Path) -> Path:
    """pdca_tinytool-1.0-py3-none-any.whl, as a build backend would write it."""
    dist = "pdca_tinytool-1.0.dist-info"
    files = {
        "pdca_tinytool/__init__.py": PLUGIN.encode(),
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: pdca-tinytool\nVersion: 1.0\n",
        f"{dist}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist}/entry_points.txt": (
            f"[{ENTRY_POINT_GROUP}]\ntinytool = pdca_tinytool:load\n".encode()
        ),
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / "pdca_tinytool-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("wheel")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(target), str(_wheel(build))],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert (target / "pdca_tinytool-1.0.dist-info" / "entry_points.txt").exists()
    return target


def _pdca(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("PDCA_STORE", None)
    script = Path(sys.executable).with_name("pdca")
    return subprocess.run(
        [str(script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def test_an_installed_connector_is_listed_and_imports(site: Path, tmp_path: Path) -> None:
    helped = _pdca(site, tmp_path, "ingest", "--help")
    assert helped.returncode == 0, helped.stderr
    flat = " ".join(helped.stdout.split())
    assert "tinytool: Tiny tool: pipe-separated ticket history (case|time|status)" in flat
    history = tmp_path / "history.tiny"
    history.write_text(
        "T1|2025-03-03T09:00:00Z|open\nT1|2025-03-03T10:30:00Z|working\n"
        "T1|2025-03-03T12:00:00Z|done\nT2|2025-03-03T09:15:00+01:00|open\n",
        encoding="utf-8",
    )
    done = _pdca(site, tmp_path, "ingest", str(history), "--source", "tinytool", "-f", "json")
    assert done.returncode == 0, done.stderr
    mttr = _pdca(site, tmp_path, "kpi", "mttr", "-f", "csv")
    assert mttr.returncode == 0, mttr.stderr
    row = dict(zip(*[line.split(",") for line in mttr.stdout.splitlines()[:2]], strict=True))
    assert (row["kpi"], float(row["value"]), row["n"]) == ("mttr", 3.0, "1")  # T1 09:00 -> 12:00


def test_without_the_package_the_source_is_unknown(tmp_path: Path) -> None:
    env = {**os.environ}
    env.pop("PDCA_STORE", None)
    (tmp_path / "h.tiny").write_text("T1|2025-03-03T09:00:00Z|open\n", encoding="utf-8")
    script = Path(sys.executable).with_name("pdca")
    done = subprocess.run(
        [str(script), "ingest", "h.tiny", "--source", "tinytool"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "unknown source 'tinytool'" in done.stderr
    assert "Traceback" not in done.stderr
