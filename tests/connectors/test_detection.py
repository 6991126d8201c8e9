"""`--source auto` recognises every tool's shape as the simulator writes it (and the ServiceNow
Table API bundle `pdca pull` writes), and says so in one line for a folder no connector knows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pdca.errors import InputError
from pdca.ingest.sources import detect_source
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate

EXPECTED = {
    "jira": "jira",
    "jira-dc": "jira",
    "jira-csv": "jira-csv",
    "zendesk": "zendesk",
    "glpi": "glpi",
    "znuny": "znuny",
    "zammad": "zammad",
    "osticket": "osticket",
    "freshservice": "freshservice",
    "csv": "csv",
}


@pytest.mark.parametrize(("fmt", "source"), list(EXPECTED.items()))
def test_each_shape_is_detected(tmp_path: Path, fmt: str, source: str) -> None:
    config = make_config(seed=3, days=10, tickets=40, log="desk")
    out = tmp_path / ("desk.csv" if fmt == "csv" else f"desk-{fmt}")
    simulate(config, out=out, fmt=fmt, hidden=False)
    assert detect_source(out) == source


def test_a_servicenow_table_api_bundle_is_detected(tmp_path: Path) -> None:
    bundle = tmp_path / "pulled.json"
    doc = {"pdca_bundle": {"source": "servicenow", "version": 1}, "incidents": [], "audit": []}
    bundle.write_text(json.dumps(doc), encoding="utf-8")
    assert detect_source(bundle) == "servicenow"


def test_an_unknown_folder_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="no connector recognises"):
        detect_source(tmp_path)
