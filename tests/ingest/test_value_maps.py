"""Value maps in a mapping: recoding ticket types, priorities and yes/no SLA verdicts.

Hand-made event logs (one row per status change) with Portuguese labels, as a GLPI export
writes them; every expected value is written out in the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pdca import api
from pdca.errors import InputError, MappingError
from pdca.ingest.mapping import load_mapping, parse_mapping
from pdca.ingest.mapping_toml import mapping_to_toml
from pdca.ingest.options import LoadOptions

LOG = """ID;Data;Status;Tipo;Prioridade;Tempo para resolver excedido
1;2024-03-01 09:00;Novo;Incidente;Alta;
1;2024-03-01 10:00;Solucionado;Incidente;Alta;Não
2;2024-03-02 09:00;Novo;Requisição;Baixa;
2;2024-03-02 12:00;Solucionado;Requisição;Urgentíssima;Sim
3;2024-03-03 09:00;Novo;Requisição;Baixa;
3;2024-03-03 09:30;Solucionado;Requisição;Baixa;talvez
"""

BASE = """
[read]
delimiter = ";"

[columns]
case_id = "ID"
timestamp = "Data"
activity = "Status"
ticket_type = "Tipo"
priority = "Prioridade"

[states]
"Novo" = "new"
"Solucionado" = "resolved"

[sla]
column = "Tempo para resolver excedido"
means = "breached"
"""


def _ingest(tmp_path: Path, mapping_text: str) -> api.ImportReport:
    data = tmp_path / "log.csv"
    data.write_text(LOG, encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(mapping_text, encoding="utf-8")
    return api.ingest(
        data, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping)
    )


def test_ticket_types_are_recoded_instead_of_quarantined(tmp_path: Path) -> None:
    report = _ingest(
        tmp_path,
        BASE
        + """
[values.ticket_type]
"Incidente" = "incident"
"Requisição" = "service_request"

[values.priority]
"Alta" = "2 - Alta"
"Baixa" = "4 - Baixa"
""",
    )
    assert (report.rows_read, report.stored, report.quarantined) == (6, 6, 0)
    tickets = api.tickets(tmp_path / "s").set_index("case_id")
    assert tickets["ticket_type"].to_dict() == {
        "1": "incident",
        "2": "service_request",
        "3": "service_request",
    }
    assert tickets.loc["1", "priority"] == "2 - Alta"
    # a value outside the map is kept as it was, and the report says so with its count
    assert tickets.loc["2", "priority"] == "Urgentíssima"
    assert report.details["unmapped_values"]["priority"] == {"Urgentíssima": 1}
    assert any("'Urgentíssima' (1)" in w and "priority" in w for w in report.warnings)


def test_the_sla_verdict_keeps_its_sign(tmp_path: Path) -> None:
    report = _ingest(
        tmp_path,
        BASE
        + """
[values.ticket_type]
"Incidente" = "incident"
"Requisição" = "service_request"
""",
    )
    events = api.events(tmp_path / "s")
    verdict = {
        (row.case_id, row.activity): json.loads(row.attributes).get("made_sla")
        for row in events.itertuples()
    }
    assert verdict[("1", "Solucionado")] == "true"  # Não excedido: met
    assert verdict[("2", "Solucionado")] == "false"  # Sim, excedido: breached
    assert verdict[("3", "Solucionado")] is None  # "talvez" is no verdict: left empty, warned
    assert report.details["unmapped_values"]["made_sla"] == {"talvez": 1}
    assert any("made_sla" in w and "left empty" in w for w in report.warnings)
    kpis = api.kpi(["sla_source"], store=tmp_path / "s").set_index("kpi")
    assert kpis.loc["sla_source", "value"] == pytest.approx(50.0)  # 1 met of 2 with a verdict


def test_a_type_outside_the_map_is_quarantined_with_reason_and_warned(tmp_path: Path) -> None:
    report = _ingest(tmp_path, BASE + '\n[values.ticket_type]\n"Incidente" = "incident"\n')
    assert (report.rows_read, report.stored, report.quarantined) == (6, 2, 4)
    assert report.details["unmapped_values"]["ticket_type"] == {"Requisição": 4}
    assert any("Requisição" in w for w in report.warnings)
    reasons = api.quarantine(tmp_path / "s")["reason"].tolist()
    assert all("Requisição" in r for r in reasons)


def test_without_a_value_map_the_import_is_refused_not_stored_empty(tmp_path: Path) -> None:
    """Mapping GLPI's type column without a value map: every row's type is foreign, so the
    import stops with the reason (it used to quarantine all rows with exit code 0)."""
    with pytest.raises(InputError, match="ticket type 'Incidente' is not one of"):
        _ingest(tmp_path, BASE)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[values.made_sla]\n"Sim" = "yes"\n', "true or false"),
        ('[values.ticket_type]\n"Requisição" = "request"\n', "not one of"),
        ('[values.nothing]\n"a" = "b"\n', "values.nothing"),
        ('[sla]\ncolumn = "x"\nmeans = "maybe"\n', "sla"),
    ],
)
def test_bad_value_maps_are_one_line_errors(tmp_path: Path, extra: str, message: str) -> None:
    text = BASE.split("[sla]", maxsplit=1)[0] + extra
    with pytest.raises(MappingError, match=message):
        _ingest(tmp_path, text)


def test_value_maps_round_trip_through_toml(tmp_path: Path) -> None:
    data = {
        "columns": {"case_id": "ID", "priority": "Prioridade"},
        "dates": {
            "opened": "Aberto",
            "first_response": {"column": "Tempo", "after": "opened"},
            "reopened": {"column": "Reaberto", "state": "in_progress"},
        },
        "attributes": {"origem": "Origem"},
        "sla": {"column": "Excedido", "means": "breached"},
        "values": {"priority": {"Muito alta": "1 - Muito alta"}, "Status": {"Novo": "new"}},
    }
    mapping = parse_mapping(data)
    path = tmp_path / "m.toml"
    path.write_text(mapping_to_toml(mapping), encoding="utf-8")
    assert load_mapping(path) == mapping
