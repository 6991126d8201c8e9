"""XES import and export: lossless round trips, interoperability with PM4Py, hostile XML."""

from __future__ import annotations

import gzip
import json
import xml.sax.saxutils
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pdca
from pdca.errors import InputError, MappingError, UnsafeInputError
from pdca.ingest import LoadOptions, xes
from pdca.model.schema import Col
from tests.conftest import SERVICENOW, shared_file
from tests.ingest.eventlog_frames import (
    XML_CHARS,
    canonical_frame,
    event_frames,
    records,
)

LOG = "round trip <&> log"


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _xes(body: str, header: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{header}<log xes.version="1.0">{body}</log>\n'


def _event(*attrs: str) -> str:
    return "<event>" + "".join(attrs) + "</event>"


def _s(key: str, value: str) -> str:
    return f'<string key="{key}" value="{value}"/>'


def _d(value: str) -> str:
    return f'<date key="time:timestamp" value="{value}"/>'


# -- lossless round trip ---------------------------------------------------------------------
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=event_frames(XML_CHARS, LOG), suffix=st.sampled_from([".xes", ".xes.gz"]))
def test_round_trip_gives_back_every_canonical_field(
    tmp_path: Path, frame: pd.DataFrame, suffix: str
) -> None:
    target = xes.write(frame, tmp_path / f"log{suffix}")
    batch = xes.load(target, LoadOptions(log=LOG))
    assert batch.quarantine.empty
    assert batch.rows_read == len(frame)
    assert records(batch.events) == records(frame)


def test_reimporting_the_same_file_stores_nothing_new(tmp_path: Path) -> None:
    target = xes.write(_sample_frame(), tmp_path / "s.xes")
    store = tmp_path / "store"
    first = pdca.ingest(target, store=store)
    again = pdca.ingest(target, store=store)
    assert (first.stored, first.duplicates) == (9, 0)
    assert (again.stored, again.duplicates_in_store) == (0, 9)
    assert again.reconciles


def test_rows_fall_back_to_file_positions_when_not_distinct(tmp_path: Path) -> None:
    frame = _sample_frame()
    frame[Col.ROW] = 0  # e.g. a log put together from several imported files
    batch = xes.load(xes.write(frame, tmp_path / "s.xes"), LoadOptions())
    assert batch.events[Col.ROW].tolist() == list(range(len(frame)))
    assert batch.details["row_numbers"] == "position in file"
    report = pdca.ingest(tmp_path / "s.xes", store=tmp_path / "store")
    assert report.stored == len(frame)


def _sample_frame() -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    stamps = ["2016-02-29 01:23:00", "2016-02-29 01:23:00.000123", "2017-03-01 12:00:00.5"]
    for case in ("INC1", "INC & <2>", "INC3"):
        for i, (activity, stamp) in enumerate(
            zip(["New", "Active", "Closed"], stamps, strict=True)
        ):
            rows.append(
                {
                    Col.LOG: "sample",
                    Col.CASE_ID: case,
                    Col.TICKET_TYPE: "incident",
                    Col.TIMESTAMP: datetime.fromisoformat(stamp),
                    Col.SEQ: i,
                    Col.ROW: len(rows),
                    Col.ACTIVITY: f'{activity} "{case}"\n',
                    Col.STATE: "new",
                    Col.RESOURCE: None if i == 1 else "Ann",
                    Col.ASSIGNMENT_GROUP: "Desk",
                    Col.ATTRIBUTES: json.dumps({"made_sla": "true", "cmdb_ci": None}),
                }
            )
    return canonical_frame(rows)


def test_written_file_names_the_log_and_declares_the_extensions(tmp_path: Path) -> None:
    frame = _sample_frame()
    frame[Col.ATTRIBUTES] = '{"lifecycle:transition":"complete"}'
    text = xes.write(frame, tmp_path / "s.xes").read_text(encoding="utf-8")
    assert '<string key="concept:name" value="sample"/>' in text
    for prefix in ("concept", "time", "org", "lifecycle"):
        assert f'prefix="{prefix}"' in text
    assert '<string key="lifecycle:transition" value="complete"/>' in text
    assert '<date key="time:timestamp" value="2016-02-29T01:23:00.000123+00:00"/>' in text
    assert '<string key="org:resource" value="Ann"/>' in text
    assert text.count("<trace>") == 3


def test_lifecycle_extension_only_when_used(tmp_path: Path) -> None:
    text = xes.write(_sample_frame(), tmp_path / "s.xes").read_text(encoding="utf-8")
    assert 'prefix="lifecycle"' not in text


def test_gzip_target_is_compressed(tmp_path: Path) -> None:
    target = xes.write(_sample_frame(), tmp_path / "s.xes.gz")
    with gzip.open(target, "rt", encoding="utf-8") as handle:
        assert handle.read().startswith("<?xml")
    assert not list(tmp_path.glob("*.partial"))


def test_control_characters_become_replacement_characters(tmp_path: Path) -> None:
    frame = _sample_frame()
    frame[Col.CATEGORY] = "bell\x07 and nul\x00"
    batch = xes.load(xes.write(frame, tmp_path / "c.xes"), LoadOptions(log="sample"))
    assert set(batch.events[Col.CATEGORY]) == {"bell\ufffd and nul\ufffd"}


def test_several_logs_name_traces_log_and_case(tmp_path: Path) -> None:
    one, two = _sample_frame(), _sample_frame()
    two[Col.LOG] = "other"
    target = xes.write(pd.concat([one, two], ignore_index=True), tmp_path / "two.xes")
    cases = set(xes.load(target, LoadOptions()).events[Col.CASE_ID])
    assert cases == {f"{log}:{case}" for log in ("sample", "other") for case in set(one.case_id)}


# -- PM4Py as an independent reader and writer ----------------------------------------------
def _per_case(
    frame: pd.DataFrame, case: str, activity: str, time: str
) -> dict[str, list[tuple[Any, str]]]:
    stamps = pd.to_datetime(frame[time], utc=True).dt.tz_localize(None).astype("datetime64[us]")
    pairs = pd.DataFrame({"case": frame[case], "t": stamps, "a": frame[activity]})
    return {str(c): sorted(zip(g["t"], g["a"], strict=True)) for c, g in pairs.groupby("case")}


def test_pm4py_reads_our_xes(tmp_path: Path) -> None:
    import pm4py  # noqa: PLC0415, TID251 - AGPL test-only oracle, slow to import

    frame = _sample_frame()
    target = xes.write(frame, tmp_path / "ours.xes")
    theirs = pm4py.read_xes(str(target))
    assert theirs["case:concept:name"].nunique() == frame[Col.CASE_ID].nunique()
    assert len(theirs) == len(frame)
    assert _per_case(theirs, "case:concept:name", "concept:name", "time:timestamp") == _per_case(
        frame, Col.CASE_ID, Col.ACTIVITY, Col.TIMESTAMP
    )


def test_we_read_pm4py_xes(tmp_path: Path) -> None:
    import pm4py  # noqa: PLC0415, TID251 - AGPL test-only oracle, slow to import

    source = pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2"],
            "concept:name": ["Logged", "Fixed & <closed>", "Logged"],
            "time:timestamp": pd.to_datetime(
                ["2020-01-01 10:00:00.123", "2020-01-01 11:30:00.000", "2021-06-01 09:00:00.5"],
                utc=True,
            ),
            "org:resource": ["ann", None, "bob"],
            "lifecycle:transition": ["complete"] * 3,
            "amount": [1.5, 2.0, 3.0],
            "case:priority": ["high", "high", "low"],
        }
    )
    target = tmp_path / "pm4py.xes"
    pm4py.write_xes(source, str(target), case_id_key="case:concept:name")
    batch = xes.load(target, LoadOptions())
    events = batch.events
    assert batch.quarantine.empty
    assert events[Col.CASE_ID].tolist() == ["c1", "c1", "c2"]
    assert events[Col.ACTIVITY].tolist() == source["concept:name"].tolist()
    assert events[Col.TIMESTAMP].tolist() == (
        source["time:timestamp"].dt.tz_localize(None).astype("datetime64[us]").tolist()
    )
    assert events[Col.RESOURCE].tolist() == ["ann", None, "bob"]
    attrs = [json.loads(a) for a in events[Col.ATTRIBUTES]]
    assert attrs[0] == {
        "case:priority": "high",
        "lifecycle:transition": "complete",
        "amount": "1.5",
    }
    assert set(events[Col.STATE]) == {"unknown"}
    assert batch.details["unmapped_activities"] == {"Logged": 2, "Fixed & <closed>": 1}


# -- files from other tools ------------------------------------------------------------------
def test_foreign_xes_maps_standard_attributes(tmp_path: Path) -> None:
    body = (
        '<string key="concept:name" value="their log"/>'
        '<trace><string key="concept:name" value="T1"/><int key="cost" value="7"/>'
        + _event(
            _s("concept:name", "Assign"),
            _d("2020-03-29T03:30:00.5+02:00"),
            _s("org:resource", "ann"),
            _s("org:group", "L1"),
            _s("lifecycle:transition", "start"),
            '<container key="ci"><string key="name" value="mail"/>'
            '<int key="id" value="3"/></container>',
            '<list key="tags"><values><string key="t" value="a"/><string key="t" value="b"/>'
            "</values></list>",
            '<string key="note" value="x"><boolean key="private" value="true"/></string>',
        )
        + "</trace>"
    )
    batch = xes.load(_write_text(tmp_path / "foreign.xes", _xes(body)), LoadOptions())
    event = batch.events.iloc[0]
    assert (event[Col.CASE_ID], event[Col.ACTIVITY]) == ("T1", "Assign")
    assert event[Col.TIMESTAMP] == pd.Timestamp("2020-03-29 01:30:00.5")
    assert (event[Col.RESOURCE], event[Col.ASSIGNMENT_GROUP]) == ("ann", "L1")
    assert (event[Col.STATE], event[Col.TICKET_TYPE], event[Col.LOG]) == (
        "unknown",
        "incident",
        "foreign",
    )
    assert json.loads(event[Col.ATTRIBUTES]) == {
        "case:cost": "7",
        "lifecycle:transition": "start",
        "ci.name": "mail",
        "ci.id": "3",
        "tags[0]": "a",
        "tags[1]": "b",
        "note": "x",
        "note.private": "true",
    }
    assert batch.details["formats"]["log_name_in_file"] == "their log"


def test_states_come_from_the_mapping_file(tmp_path: Path) -> None:
    body = "<trace>" + _s("concept:name", "T1")
    for activity in ("Logged", "Solved", "Odd"):
        body += _event(_s("concept:name", activity), _d("2020-01-01T00:00:00Z"))
    mapping = _write_text(
        tmp_path / "states.toml",
        'ticket_type = "service_request"\n[states]\nLogged = "new"\nSolved = "resolved"\n',
    )
    batch = xes.load(
        _write_text(tmp_path / "m.xes", _xes(body + "</trace>")), LoadOptions(mapping=mapping)
    )
    assert batch.events[Col.STATE].tolist() == ["new", "resolved", "unknown"]
    assert set(batch.events[Col.TICKET_TYPE]) == {"service_request"}
    assert batch.details["unmapped_activities"] == {"Odd": 1}


def test_a_bad_mapping_file_is_a_mapping_error(tmp_path: Path) -> None:
    path = _write_text(tmp_path / "x.xes", _xes(""))
    mapping = _write_text(tmp_path / "bad.toml", '[states]\nLogged = "sleeping"\n')
    with pytest.raises(MappingError, match="states"):
        xes.load(path, LoadOptions(mapping=mapping))


def test_times_without_offset_are_read_in_the_given_zone(tmp_path: Path) -> None:
    body = (
        "<trace>"
        + _s("concept:name", "T1")
        + _event(_s("concept:name", "A"), _d("2021-07-01T12:00:00"))
    )
    path = _write_text(tmp_path / "tz.xes", _xes(body + "</trace>"))
    batch = xes.load(path, LoadOptions(timezone="Europe/Brussels"))
    assert batch.events[Col.TIMESTAMP].tolist() == [pd.Timestamp("2021-07-01 10:00:00")]
    assert "Europe/Brussels" in batch.details["formats"]["timezone"]


def test_bad_events_are_quarantined_with_reasons(tmp_path: Path) -> None:
    good = _event(_s("concept:name", "A"), _d("2020-01-01T00:00:00Z"))
    body = (
        "<trace>"
        + _s("concept:name", "T1")
        + good
        + _event(_s("concept:name", "no time"))
        + _event(_d("2020-01-01T00:00:00Z"))
        + _event(_s("concept:name", "B"), _d("yesterday"))
        + _event(
            _s("concept:name", "C"), _d("2020-01-01T00:00:00Z"), '<int key="pdca:seq" value="1.5"/>'
        )
        + "</trace><trace>"
        + good
        + "</trace>"
        + good
    )
    batch = xes.load(_write_text(tmp_path / "bad.xes", _xes(body)), LoadOptions())
    assert batch.rows_read == 7
    assert len(batch.events) == 1
    reasons = dict(zip(batch.quarantine["row"], batch.quarantine["reason"], strict=True))
    assert reasons == {
        1: "missing timestamp (event time:timestamp)",
        2: "missing activity (event concept:name)",
        3: "timestamp 'yesterday' is not an ISO 8601 date-time (event time:timestamp)",
        4: "sequence number '1.5' is not a whole number (pdca:seq)",
        5: "missing case id (trace concept:name)",
        6: "event is not inside a trace (no case id)",
    }
    assert json.loads(batch.quarantine["raw"].iloc[0])["activity"] == "no time"
    assert sum(batch.details["quarantine_reasons"].values()) == 6


# -- hostile and broken files ----------------------------------------------------------------
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><string key="concept:name" value="&lol9;"/></trace></log>
"""


def _external_entity(target: str) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY xxe SYSTEM "{target}">]>
<log><trace><string key="concept:name" value="T1"/>
<event><string key="concept:name" value="&xxe;"/>
<date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event>
</trace></log>
"""


@pytest.fixture
def opened_resources(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every input the XML reader opens (the document itself and any external entity)."""
    opened: list[object] = []
    real = xml.sax.saxutils.prepare_input_source

    def spy(source: object, base: str = "") -> object:
        opened.append(source)
        return real(source, base)  # type: ignore[arg-type]

    monkeypatch.setattr(xml.sax.saxutils, "prepare_input_source", spy)
    return opened


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    path = _write_text(tmp_path / "laughs.xes", BILLION_LAUGHS)
    with pytest.raises(UnsafeInputError, match="refusing to read") as info:
        xes.load(path, LoadOptions())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("secret_in_tmp", [True, False])
def test_external_entities_are_refused_and_never_read(
    tmp_path: Path, opened_resources: list[object], secret_in_tmp: bool
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    target = secret.as_uri() if secret_in_tmp else "file:///etc/passwd"
    path = _write_text(tmp_path / "xxe.xes", _external_entity(target))
    with pytest.raises(UnsafeInputError) as info:
        xes.load(path, LoadOptions())
    assert "TOP-SECRET" not in str(info.value)
    assert "root:" not in str(info.value)
    assert opened_resources  # the spy saw the XES file itself being opened
    names = [
        s if isinstance(s, str) else getattr(s, "getSystemId", str)() for s in opened_resources
    ]
    assert not [n for n in names if n and ("secret" in n or "passwd" in n)]


def test_truncated_xml_is_an_input_error_with_the_line(tmp_path: Path) -> None:
    text = xes.write(_sample_frame(), tmp_path / "full.xes").read_text(encoding="utf-8")
    path = _write_text(tmp_path / "cut.xes", text[: len(text) // 2])
    with pytest.raises(InputError, match=r"not well-formed XML \(line \d+") as info:
        xes.load(path, LoadOptions())
    assert not isinstance(info.value, UnsafeInputError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html><body/></html>", "root element is <html>"),
        ("", "not well-formed"),
        ("not xml at all", "not well-formed"),
    ],
)
def test_files_that_are_not_xes(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        xes.load(_write_text(tmp_path / "x.xes", content), LoadOptions())


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.xes.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 40)
    with pytest.raises(InputError, match="cannot be read or decompressed"):
        xes.load(path, LoadOptions())


# -- end to end through the public API -------------------------------------------------------
SERVICENOW_HEADER = (
    "number,incident_state,active,sys_mod_count,sys_updated_at,assignment_group,assigned_to,"
    "priority,impact,urgency,category,subcategory,contact_type,location,caller_id,notes\n"
)


def _servicenow_csv(path: Path) -> Path:
    rows = [
        ("INC1,New,true,0,29/2/2016 01:23,Group 1,?", '"a, <b> & ""c"""'),
        ("INC1,Active,true,1,29/2/2016 01:23,Group 2,Ann", "?"),
        ("INC1,Resolved,false,2,1/3/2016 10:00,Group 2,Ann", "é"),
        ("INC2,New,true,0,2/3/2016 08:00,Group 1,?", ""),
        ("INC2,-100,true,1,2/3/2016 08:00,Group 1,?", ""),
    ]
    ticket = {
        "INC1": "3 - Moderate,2 - Medium,2 - Medium,C1,S1,Phone,L1,Caller 1",
        "INC2": "1 - Critical,1 - High,1 - High,C2,S2,Email,L2,Caller 2",
    }
    lines = [f"{head},{ticket[head[:4]]},{notes}" for head, notes in rows]
    path.write_text(SERVICENOW_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _events_without_ids(store: Path) -> pd.DataFrame:
    return pdca.events(store).drop(columns=[Col.IMPORT_ID, Col.EVENT_KEY])


def test_api_round_trip_through_xes(tmp_path: Path) -> None:
    source = _servicenow_csv(tmp_path / "sn.csv")
    first, second = tmp_path / "store1", tmp_path / "store2"
    pdca.ingest(source, source="servicenow", store=first)
    written = pdca.api.export("xes", tmp_path / "out.xes.gz", store=first, log="sn")
    assert written == [tmp_path / "out.xes.gz"]
    report = pdca.ingest(written[0], store=second, options=LoadOptions(log="sn"))
    assert (report.source, report.stored, report.quarantined, report.rows_read) == ("xes", 5, 0, 5)
    assert report.reconciles
    pd.testing.assert_frame_equal(_events_without_ids(first), _events_without_ids(second))
    again = pdca.ingest(written[0], store=second, options=LoadOptions(log="sn"))
    assert (again.stored, again.duplicates_in_store) == (0, 5)
    # back into the store it came from (CSV there, XES/OCEL here): the same events, nothing new
    for fmt, name in (("xes", "back.xes.gz"), ("ocel", "back.jsonocel")):
        (exported,) = pdca.api.export(fmt, tmp_path / name, store=first, log="sn")
        back = pdca.ingest(exported, store=first, options=LoadOptions(log="sn"))
        assert (back.stored, back.duplicates_in_store) == (0, 5), fmt
    tickets = [pdca.tickets(s).sort_values(Col.CASE_ID, ignore_index=True) for s in (first, second)]
    pd.testing.assert_frame_equal(*tickets)


@pytest.mark.realdata
@pytest.mark.slow
def test_servicenow_log_round_trips_through_xes(tmp_path: Path) -> None:
    source = shared_file(SERVICENOW)
    first, second = tmp_path / "store1", tmp_path / "store2"
    pdca.ingest(source, store=first)
    log = "servicenow_incident_event_log"
    [target] = pdca.api.export("xes", tmp_path / "servicenow.xes.gz", store=first, log=log)
    report = pdca.ingest(target, store=second, options=LoadOptions(log=log))
    assert (report.rows_read, report.stored, report.quarantined) == (119_998, 119_998, 0)
    pd.testing.assert_frame_equal(_events_without_ids(first), _events_without_ids(second))
