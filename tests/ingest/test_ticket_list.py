"""Ticket lists (one row per ticket): each date column becomes one event in its state.

Hand-made lists with every expected value written out: which events a row gives, which rows are
quarantined and why, how the counts reconcile, and what a list without dates can still give
(`pdca durations`, checked against a pandas groupby).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.errors import AmbiguousDateError, InputError, MappingError
from pdca.ingest.mapping import parse_mapping
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app

runner = CliRunner()

LIST = """Ticket,Aberto,Resposta,Solução,Fechado,Prioridade
A,13-03-2024 09:00,13-03-2024 09:30,13-03-2024 11:00,14-03-2024 11:00,Alta
B,14-03-2024 08:00,14-03-2024 10:00,,,Baixa
C,,14-03-2024 10:00,14-03-2024 12:00,,Baixa
D,15-03-2024 10:00,,15-03-2024 09:00,,Alta
E,15-03-2024 10:00,32-13-2024 10:00,,,Alta
F,16-03-2024 10:00,16-03-2024 10:45,16-03-2024 10:30,,Alta
"""

MAPPING = """
[columns]
case_id = "Ticket"
priority = "Prioridade"

[dates]
opened = "Aberto"
first_response = "Resposta"
resolved = "Solução"
closed = "Fechado"
"""


def _write(tmp_path: Path, text: str, mapping: str = MAPPING) -> tuple[Path, Path]:
    data = tmp_path / "list.csv"
    data.write_text(text, encoding="utf-8")
    path = tmp_path / "map.toml"
    path.write_text(mapping, encoding="utf-8")
    return data, path


def test_each_date_is_one_event_and_bad_rows_are_quarantined_with_reasons(
    tmp_path: Path,
) -> None:
    data, mapping = _write(tmp_path, LIST)
    report = api.ingest(
        data, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping)
    )
    # 6 file rows: A, B, F kept; C (no opening), D (solved before opened), E (bad date) not
    assert report.rows_read == 6
    assert report.quarantined == 3
    listed = report.details["ticket_list"]
    assert listed["rows_kept"] == 3
    assert listed["events"] == 4 + 2 + 2  # A all four; B opened + response; F opened + solved
    assert report.stored == 8
    assert listed["left_out_after_resolution"] == {"first_response": 1}  # F's 10:45 > 10:30
    assert report.reconciles
    reasons = dict(zip(*api.quarantine(tmp_path / "s")[["row", "reason"]].T.values, strict=True))
    assert reasons[2] == "missing opening date (column 'Aberto')"
    assert "is before the opening date '15-03-2024 10:00'" in reasons[3]
    assert "'32-13-2024 10:00' does not match the format %d-%m-%Y %H:%M" in reasons[4]

    events = api.events(tmp_path / "s").sort_values(["case_id", "timestamp", "seq"])
    a = events[events["case_id"] == "A"]
    assert a["state"].tolist() == ["new", "in_progress", "resolved", "closed"]
    assert a["activity"].tolist() == ["opened", "first_response", "resolved", "closed"]
    assert a["row"].tolist() == [0, 1, 2, 3]  # file row 0 * 100 + the date's rank
    assert set(events.loc[events["case_id"] == "B", "row"]) == {100, 101}
    assert (a["priority"] == "Alta").all()

    tickets = api.tickets(tmp_path / "s").set_index("case_id")
    hours = (tickets["resolved_at"] - tickets["opened_at"]).dt.total_seconds() / 3600
    assert hours["A"] == 2.0
    assert pd.isna(hours["B"])
    assert hours["F"] == 0.5
    kpis = api.kpi(["mttr", "mtta", "reopen_rate"], store=tmp_path / "s").set_index("kpi")
    assert kpis.loc["mttr", "value"] == pytest.approx((2.0 + 0.5) / 2)
    # first responses: A 0.5 h, B 2 h, F its resolution (0.5 h): no reopen made up
    assert kpis.loc["mtta", "value"] == pytest.approx((0.5 + 2.0 + 0.5) / 3)
    assert kpis.loc["reopen_rate", "value"] == 0.0


def test_reimporting_the_same_list_stores_nothing_and_still_reconciles(tmp_path: Path) -> None:
    data, mapping = _write(tmp_path, LIST)
    options = LoadOptions(mapping=mapping)
    api.ingest(data, source="csv", store=tmp_path / "s", options=options)
    again = api.ingest(data, source="csv", store=tmp_path / "s", options=options)
    assert (again.rows_read, again.stored, again.duplicates, again.quarantined) == (6, 0, 8, 3)
    assert again.reconciles


def test_day_and_month_are_never_guessed_over_all_date_columns(tmp_path: Path) -> None:
    text = "Ticket,Aberto,Resposta,Solução,Fechado,Prioridade\n"
    text += "A,01-03-2024 09:00,01-03-2024 09:30,02-03-2024 11:00,,Alta\n"
    data, mapping = _write(tmp_path, text)
    with pytest.raises(AmbiguousDateError):
        api.ingest(data, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping))
    report = api.ingest(
        data,
        source="csv",
        store=tmp_path / "s",
        options=LoadOptions(mapping=mapping, dayfirst=True),
    )
    opened = api.tickets(tmp_path / "s")["opened_at"].iloc[0]
    assert opened == pd.Timestamp("2024-03-01 09:00")
    assert report.stored == 3
    # one value with a day above 12 in any date column settles it for all of them
    text = text.replace("02-03-2024 11:00", "13-03-2024 11:00")
    data, mapping = _write(tmp_path, text)
    later = api.ingest(
        data, source="csv", store=tmp_path / "s2", options=LoadOptions(mapping=mapping)
    )
    assert later.details["formats"]["dayfirst"] is True


def test_a_duration_after_the_opening_gives_the_first_response(tmp_path: Path) -> None:
    text = "ID;Data de abertura;Tempo para atendimento;Data da solução\n"
    text += "1;13-03-2024 09:00;1 hora 20 minutos;13-03-2024 12:00\n"
    text += "2;13-03-2024 09:00;1:20;13-03-2024 12:00\n"
    mapping = """
[columns]
case_id = "ID"

[dates]
opened = "Data de abertura"
first_response = { column = "Tempo para atendimento", after = "opened" }
resolved = "Data da solução"
"""
    data, path = _write(tmp_path, text, mapping)
    report = api.ingest(data, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=path))
    assert (report.rows_read, report.quarantined) == (2, 1)
    reason = api.quarantine(tmp_path / "s")["reason"].iloc[0]
    assert "ambiguous" in reason
    assert "Tempo para atendimento" in reason
    ticket = api.tickets(tmp_path / "s").iloc[0]
    assert ticket["first_response_at"] == pd.Timestamp("2024-03-13 10:20")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"columns": {"case_id": "ID"}, "dates": {"closed": "F"}}, "needs opened"),
        (
            {"columns": {"case_id": "ID", "timestamp": "T"}, "dates": {"opened": "A"}},
            "leave columns.timestamp",
        ),
        ({"columns": {"case_id": "ID"}, "dates": {"opened": "A", "escalated": "E"}}, "escalated"),
        (
            {"columns": {"case_id": "ID"}, "dates": {"opened": "A", "x": {"column": "X"}}},
            "dates.x",
        ),
        (
            {
                "columns": {"case_id": "ID"},
                "dates": {"opened": "A", "first_response": {"column": "T", "after": "nope"}},
            },
            "after",
        ),
        ({"columns": {"case_id": "ID"}}, "columns.timestamp and columns.activity"),
    ],
)
def test_bad_ticket_list_mappings_are_one_line_errors(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(MappingError, match=message):
        parse_mapping(data)


DUTCH = ["Incidentnummer;Prioriteit;Categorie;Totale minuten open"]


def _dutch(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(3)
    rows = pd.DataFrame(
        {
            "Incidentnummer": [f"I{i:04d}" for i in range(120)],
            "Prioriteit": rng.choice(["Hoog", "Normaal", "Laag"], 120),
            "Categorie": rng.choice(["Netwerk", "Werkplek"], 120),
            "Totale minuten open": rng.integers(5, 5000, 120).astype(str),
        }
    )
    rows.loc[7, "Totale minuten open"] = ""
    path = tmp_path / "lijst.csv"
    rows.to_csv(path, sep=";", index=False)
    return path, rows


def test_a_list_without_dates_is_refused_in_one_line_that_says_what_it_can_give(
    tmp_path: Path,
) -> None:
    path, _ = _dutch(tmp_path)
    with pytest.raises(InputError) as caught:
        api.ingest(path, source="csv", store=tmp_path / "s")
    text = str(caught.value)
    assert "no MTTA, no SLA clocks, no periods, no process map" in text
    assert "'Totale minuten open'" in text
    assert (
        "pdca durations lijst.csv --column 'Totale minuten open' --by priority --by category"
        in text
    )
    assert "\n" not in text.split(" — ", maxsplit=1)[0]
    result = runner.invoke(app, ["ingest", str(path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_pdca_durations_matches_a_pandas_groupby(tmp_path: Path) -> None:
    path, rows = _dutch(tmp_path)
    result = runner.invoke(
        app,
        [
            "durations",
            str(path),
            "--column",
            "Totale minuten open",
            "--by",
            "priority",
            "--by",
            "Categorie",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    got = pd.DataFrame(json.loads(result.stdout))
    frame = rows[rows["Totale minuten open"] != ""].copy()
    frame["hours"] = frame["Totale minuten open"].astype(float) / 60  # the header says minutes
    want = (
        frame.groupby(["Prioriteit", "Categorie"])["hours"]
        .agg(
            n="count", mean_hours="mean", median_hours="median", p90_hours=lambda h: h.quantile(0.9)
        )
        .reset_index()
    )
    groups = got[got["Prioriteit"] != "(all)"].reset_index(drop=True)
    assert (
        groups[["Prioriteit", "Categorie"]].values.tolist()
        == want[["Prioriteit", "Categorie"]].values.tolist()
    )
    for column in ("n", "mean_hours", "median_hours", "p90_hours"):
        np.testing.assert_allclose(groups[column].astype(float), want[column].astype(float))
    total = got[got["Prioriteit"] == "(all)"].iloc[0]
    assert total["n"] == 119
    assert total["mean_hours"] == pytest.approx(frame["hours"].mean())
    stats = api.durations(path, column="Totale minuten open", by=["priority"])
    assert (stats.read, stats.missing, stats.refused, stats.unit_from) == (119, 1, 0, "header")


def test_pdca_durations_refuses_ambiguous_values_and_counts_them(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("ID,Prio,Tempo\n1,Alta,1 hora 20 minutos\n2,Alta,1:20\n3,Baixa,01:00:00\n")
    stats = api.durations(path, column="Tempo", by=["Prio"])
    assert (stats.read, stats.refused) == (2, 1)
    assert "ambiguous" in next(iter(stats.reasons))
    table = stats.table.set_index("Prio")
    assert table.loc["Alta", "mean_hours"] == pytest.approx(80 / 60)
    assert table.loc["Baixa", "n"] == 1
    with pytest.raises(InputError, match="not a column"):
        api.durations(path, column="Nope")
