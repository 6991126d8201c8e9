"""`pdca spc`: a quality manager's file in, limits and signals out, end to end through the CLI.

The oracle is the published reference cases in ../shared/data/spc_reference (qcc, Montgomery):
the CLI's printed JSON limits must equal the expected values. Each case is written out again as a
"generated" file the way a European spreadsheet exports it (semicolons, decimal commas), so the
reader, the column handling, phase I, exclusions and the chart meet in one run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET
from typer.testing import CliRunner

from pdca import api
from pdca.errors import ConfigError
from pdca.interfaces.cli.app import app
from tests.methods.spc.reference import approx, case

runner = CliRunner()
realdata = pytest.mark.realdata

QCC_D2_REL = 4e-4
"""qcc divides moving ranges by d2(2) = 1.128 (see tests/methods/spc/test_reference_cases.py)."""


def _european(frame: pd.DataFrame, path: Path) -> Path:
    """The frame as a semicolon-separated file with decimal commas."""
    frame.to_csv(path, sep=";", decimal=",", index=False)
    return path


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, ["spc", *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _limits(doc: dict[str, Any], panel: str, point: int) -> dict[str, float]:
    row = next(r for r in doc["limits"] if r["panel"] == panel and r["point"] == point)
    return {"CL": row["centre"], "LCL": row["lcl"], "UCL": row["ucl"]}


def _same(got: dict[str, float], want: dict[str, Any], rel: float = 1e-4) -> None:
    for key in ("CL", "LCL", "UCL"):
        assert got[key] == approx(want[key], rel), f"{key}: {got[key]} != {want[key]}"


@realdata
def test_pistonrings_xbar_r_and_s(tmp_path: Path) -> None:
    data, exp = case("pistonrings_xbar_r_s")
    e = exp["expected_published"]
    path = _european(data, tmp_path / "rings.csv")
    base = [str(path), "--value", "diameter", "--subgroup", "sample", "--phase1", "25"]
    xr = _json([*base, "--chart", "xbar-r", "--rules", "we"])
    for point in (0, 39):  # phase I and phase II (frozen limits)
        _same(_limits(xr, "xbar", point), e["xbar"])
        _same(_limits(xr, "R", point), e["R"])
    beyond = sorted(
        int(p) for s in xr["signals"] if s["rule"] == "WE1" for p in s["flagged"].split(",")
    )
    assert beyond == exp["out_of_control_recomputed"]["xbar_points_beyond_limits_1based"]
    xs = _json([*base, "--chart", "xbar-s"])
    _same(_limits(xs, "S", 0), e["S"])
    sigma = e["S"]["sigma_UWAVE_SD"]
    centre = e["xbar"]["CL"]
    _same(
        _limits(xs, "xbar", 0),
        {"CL": centre, "LCL": centre - 3 * sigma / 5**0.5, "UCL": centre + 3 * sigma / 5**0.5},
    )


@realdata
def test_viscosity_individuals_with_an_excluded_batch(tmp_path: Path) -> None:
    data, exp = case("viscosity_imr")
    e = exp["expected_published"]
    path = _european(data, tmp_path / "viscosity.csv")
    trial = _json([str(path), "-c", "imr", "--value", "viscosity", "--phase1", "20"])
    _same(_limits(trial, "I", 0), e["I_phaseI_MR_sigma"])
    assert [s["flagged"] for s in trial["signals"] if s["panel"] == "I" and s["last"] <= 20] == [
        str(e["phase_I_violations"]["point"])
    ]
    revised = _json(
        [str(path), "-c", "imr", "--value", "viscosity", "--phase1", "20", "--exclude", "4"]
    )
    _same(_limits(revised, "I", 20), e["I_after_removing_batch4"])
    phases = [r["phase"] for r in revised["limits"] if r["panel"] == "I"]
    assert phases == [1] * 20 + [2] * 15


@realdata
def test_orange_juice_p_chart_revised_limits(tmp_path: Path) -> None:
    data, exp = case("orangejuice_p_np")
    e = exp["expected_published"]
    path = _european(data.drop(columns=["note"]), tmp_path / "juice.csv")
    args = [str(path), "-c", "p", "--value", "D", "--size", "size"]
    initial = _json([*args, "--phase1", "30"])
    _same(_limits(initial, "p", 0), e["p_initial_samples1_30"])
    revised = _json([*args, "--phase1", "30", "--exclude", "15,23"])
    _same(_limits(revised, "p", 0), e["p_revised_excl_15_23"])
    # phase I as a range: samples 31-54 estimate, 1-30 are left out, 55-94 are phase II
    stage2 = _json([*args, "--phase1", "31:54"])
    _same(_limits(stage2, "p", 60), e["p_stage2_samples31_54_as_phase_I"])


@realdata
def test_the_api_takes_a_data_frame_and_agrees_with_the_cli(tmp_path: Path) -> None:
    data, _ = case("orangejuice_p_np")
    limits, signals = api.spc(data, "p", "D", size="size", phase1=30, exclude=[15, 23])
    path = tmp_path / "juice.csv"
    data.to_csv(path, index=False)
    doc = _json([str(path), "-c", "p", "--value", "D", "--size", "size", "--phase1", "30",
                 "--exclude", "15,23"])  # fmt: skip
    assert limits["ucl"].tolist() == pytest.approx([r["ucl"] for r in doc["limits"]], rel=1e-12)
    assert signals["message"].tolist() == [s["message"] for s in doc["signals"]]
    assert limits.loc[14, "excluded"]
    svg = api.control_chart(data, "p", "D", size="size", phase1=30, title="Orange juice")
    assert "Orange juice" in svg


@realdata
def test_circuit_boards_c_chart_and_varying_u(tmp_path: Path) -> None:
    data, exp = case("circuit_c_u")
    e = exp["expected_published"]
    path = _european(data.drop(columns=["note"]), tmp_path / "circuit.csv")
    revised = _json(
        [
            str(path),
            "-c",
            "c",
            "--value",
            "x",
            "--phase1",
            "26",
            "--exclude",
            "6,20",
            "--label",
            "sample",
        ]
    )
    _same(_limits(revised, "c", 0), e["c_revised_excl_6_20"])
    assert [r["label"] for r in revised["limits"]][:3] == ["1", "2", "3"]
    cloth, want = case("dyedcloth_u_varn")
    path = _european(cloth, tmp_path / "cloth.csv")
    doc = _json([str(path), "-c", "u", "--value", "x", "--size", "size"])
    rows = [r for r in doc["limits"] if r["panel"] == "u"]
    exp_u = want.get("expected_published", want)
    assert [r["ucl"] for r in rows] == pytest.approx(exp_u["UCL_by_roll"], rel=1e-4)
    assert [r["lcl"] for r in rows] == pytest.approx(exp_u["LCL_by_roll"], rel=1e-4)
    assert not doc["signals"]


@realdata
def test_table_csv_and_svg_outputs(tmp_path: Path) -> None:
    data, exp = case("viscosity_imr")
    path = tmp_path / "viscosity.csv"
    data.to_csv(path, index=False)
    args = ["spc", str(path), "-c", "imr", "--value", "viscosity", "--phase1", "20"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "34.088" in table.stdout
    assert "above the upper control limit" in table.stdout
    csv = runner.invoke(app, [*args, "-f", "csv"])
    frame = pd.read_csv(io.StringIO(csv.stdout))
    assert set(frame["panel"]) == {"I", "MR"}
    assert frame.loc[frame["panel"] == "I", "centre"].iloc[0] == approx(34.088)
    svg = runner.invoke(app, [*args, "-f", "svg", "--title", "Viscosity <batch>"])
    assert svg.exit_code == 0, svg.output
    root = SafeET.fromstring(svg.stdout)
    points = [e for e in root.iter() if "point" in (e.get("class") or "").split()]
    assert len([p for p in points if p.get("data-panel") == "I"]) == len(data)
    flagged = {p.get("data-point") for p in points if p.get("data-signal") == "true"}
    assert str(exp["expected_published"]["phase_I_violations"]["point"] - 1) in flagged


@realdata
def test_wide_subgroups_and_stages(tmp_path: Path) -> None:
    data, exp = case("pistonrings_xbar_r_s")
    wide = pd.DataFrame(
        np.reshape(data["diameter"].to_numpy(), (40, 5)), columns=[f"m{i}" for i in range(1, 6)]
    )
    wide.insert(0, "period", ["trial"] * 25 + ["production"] * 15)
    path = tmp_path / "wide.xlsx"
    wide.to_excel(path, index=False)
    doc = _json([str(path), "-c", "xbar-r", "--value", "m1,m2,m3,m4,m5", "--phase1", "25"])
    _same(_limits(doc, "xbar", 0), exp["expected_published"]["xbar"])
    staged = _json([str(path), "-c", "xbar-r", "--value", "m1,m2,m3,m4,m5", "--stages", "period"])
    stages = {r["stage"] for r in staged["limits"]}
    assert stages == {"trial", "production"}
    _same(_limits(staged, "xbar", 0), exp["expected_published"]["xbar"])  # trial = phase I


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "-c", "imr", "--value", "v"], "file not found"),
        (["{f}", "-c", "imr", "--value", "nope"], "there is no column 'nope'"),
        (["{f}", "-c", "zz", "--value", "v"], "unknown chart 'zz'"),
        (["{f}", "-c", "p", "--value", "v"], "needs --size"),
        (["{f}", "-c", "xbar-s", "--value", "v"], "needs subgroups"),
        (["{f}", "-c", "imr", "--value", "word"], "'abc' (data row 2), not a number"),
        (["{f}", "-c", "imr", "--value", "v", "--phase1", "x"], "is not N or A:B"),
        (["{f}", "-c", "imr", "--value", "v", "--phase1", "5:2"], "not a range"),
        (["{f}", "-c", "imr", "--value", "v", "--rules", "zz"], "unknown run rule 'zz'"),
        (["{f}", "-c", "imr", "--value", "v", "--exclude", "a"], "not a list of point"),
        (["{f}", "-c", "imr", "--value", "v", "--exclude", "99"], "points run 1..4"),
        (["{f}", "-c", "ewma", "--value", "v", "--rules", "nelson"], "run rules do not apply"),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text("v,word\n1.5,2\n2.5,abc\n3.5,4\n2.0,1\n", encoding="utf-8")
    argv = [a.replace("{f}", str(path)) for a in args]
    argv[0] = argv[0] if argv[0] != "missing.csv" else str(tmp_path / "missing.csv")
    result = runner.invoke(app, ["spc", *argv])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


# chart parameters as flags: Montgomery's Examples 6.4, 9.1 and 9.2 (see the method tests)


def _table_9_1(tmp_path: Path) -> Path:
    from tests.methods.spc.test_timeweighted_published import TABLE_9_1  # noqa: PLC0415

    path = tmp_path / "table_9_1.csv"
    pd.DataFrame({"x": TABLE_9_1}).to_csv(path, index=False)
    return path


def _panel(doc: dict[str, Any], panel: str, column: str) -> list[float]:
    return [r[column] for r in doc["limits"] if r["panel"] == panel]


def test_cusum_flags_reach_the_chart(tmp_path: Path) -> None:
    from tests.methods.spc.test_timeweighted_published import TABLE_9_2_UPPER  # noqa: PLC0415

    base = [str(_table_9_1(tmp_path)), "-c", "cusum", "--value", "x", "--centre", "10"]
    doc = _json([*base, "--sigma", "1", "--k", "0.5", "--h", "5"])
    assert [round(v, 2) for v in _panel(doc, "upper", "value")] == TABLE_9_2_UPPER
    assert sorted(int(p) for s in doc["signals"] for p in s["flagged"].split(",")) == [29, 30]
    wider = _json([*base, "--sigma", "1", "--k", "0.5", "--h", "6"])
    assert set(_panel(wider, "upper", "ucl")) == {6.0}
    assert wider["signals"] == []  # C⁺ peaks at 5.30 < 6
    smaller_k = _json([*base, "--sigma", "1", "--k", "0.25", "--h", "5"])
    assert _panel(smaller_k, "upper", "value")[3] == pytest.approx(1.66 - 0.25 + 0.0)


def test_ewma_flags_reach_the_chart(tmp_path: Path) -> None:
    path = _table_9_1(tmp_path)
    base = [str(path), "-c", "ewma", "--value", "x", "--centre", "10", "--sigma", "1"]
    doc = _json([*base, "--lambda", "0.1", "--L", "2.7"])
    lam, width = 0.1, 2.7
    ucl = [10 + width * (lam / (2 - lam) * (1 - (1 - lam) ** (2 * i))) ** 0.5 for i in range(1, 31)]
    assert _panel(doc, "ewma", "ucl") == pytest.approx(ucl, rel=1e-12)
    assert _panel(doc, "ewma", "value")[0] == pytest.approx(0.1 * 9.45 + 0.9 * 10)
    default = _json(base)  # λ = 0.2, L = 3
    assert _panel(default, "ewma", "ucl")[0] == pytest.approx(10 + 3 * 0.2)
    same = _json([*base, "--lambda", "0.1", "--width", "2.7"])
    assert _panel(same, "ewma", "ucl") == _panel(doc, "ewma", "ucl")


@realdata
def test_ewma_width_against_qcc(tmp_path: Path) -> None:
    data, exp = case("viscosity_imr")
    e = exp["expected_published"]["EWMA_lambda0.2_nsigmas2.7"]
    path = _european(data, tmp_path / "viscosity.csv")
    args = [str(path), "-c", "ewma", "--value", "viscosity", "--phase1", "20"]
    doc = _json([*args, "--lambda", "0.2", "--L", "2.7"])
    for index in (1, 2, 35):
        lcl, ucl = e[f"limits_index{index}"]
        got = _limits(doc, "ewma", index - 1)
        assert (got["LCL"], got["UCL"]) == (approx(lcl), approx(ucl))
    three = _json(args)  # L = 3 by default: wider than qcc's 2.7 limits
    assert _limits(three, "ewma", 0)["UCL"] > e["limits_index1"][1] + 1e-3


@realdata
def test_xbar_s_pooled_sbar_flag(tmp_path: Path) -> None:
    from tests.methods.spc.test_unequal_subgroups import table_6_4  # noqa: PLC0415

    data = table_6_4()
    path = _european(data, tmp_path / "table_6_4.csv")
    args = [str(path), "-c", "xbar-s", "--value", "diameter", "--subgroup", "sample"]
    doc = _json([*args, "--sigma", "pooled-sbar"])
    s_centre = set(_panel(doc, "S", "centre"))
    assert len(s_centre) == 1
    assert round(s_centre.pop(), 4) == 0.0103  # Montgomery's s̄ in Example 6.4
    assert round(_limits(doc, "xbar", 0)["CL"], 3) == 74.001
    minitab = _json([*args, "--sigma", "pooled"])
    assert len(set(_panel(minitab, "S", "centre"))) == 3  # c4(n) times sigma for n = 3, 4, 5


def test_svg_title_and_y_label(tmp_path: Path) -> None:
    path = _table_9_1(tmp_path)
    args = ["spc", str(path), "-c", "imr", "--value", "x", "-f", "svg"]
    result = runner.invoke(app, [*args, "--title", "Concentration", "--y-label", "g per l"])
    assert result.exit_code == 0, result.output
    texts = [t.text for t in SafeET.fromstring(result.stdout).iter() if t.text]
    assert "Concentration" in texts
    assert "g per l" in texts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "ewma", "--lambda", "0"], "--lambda must be in (0, 1], got 0"),
        (["-c", "ewma", "--lambda", "1.5"], "--lambda must be in (0, 1], got 1.5"),
        (["-c", "ewma", "--lambda", "nan"], "--lambda must be in (0, 1], got nan"),
        (["-c", "ewma", "--L", "0"], "--L must be a positive number, got 0"),
        (["-c", "imr", "--width", "-2"], "--L must be a positive number, got -2"),
        (["-c", "cusum", "--h", "0"], "--h must be a positive number, got 0"),
        (["-c", "cusum", "--h", "inf"], "--h must be a positive number, got inf"),
        (["-c", "cusum", "--k", "-0.5"], "--k must be 0 or more, got -0.5"),
        (["-c", "imr", "--lambda", "0.1"], "--lambda does not apply to the imr chart"),
        (["-c", "ewma", "--h", "4"], "--h does not apply to the ewma chart"),
        (["-c", "cusum", "--L", "3"], "--L does not apply to the cusum chart"),
        (["-c", "g", "--sigma", "1"], "--sigma does not apply to the g chart"),
        (["-c", "imr", "--sigma", "-1"], "--sigma must be an estimator or a positive number"),
        (["-c", "imr", "--sigma", "pooled-sbar"], "unknown sigma estimator 'pooled-sbar'"),
        (["-c", "ewma", "--sigma", "bogus"], "unknown sigma estimator 'bogus'"),
    ],
)
def test_chart_flags_give_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text("v\n1.5\n2.5\n3.5\n2.0\n", encoding="utf-8")
    result = runner.invoke(app, ["spc", str(path), "--value", "v", *args])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_api_rejects_an_option_the_chart_does_not_take() -> None:
    frame = pd.DataFrame({"v": [1.5, 2.5, 3.5, 2.0]})
    with pytest.raises(ConfigError, match="the p chart has no parameter 'smoothing'"):
        api.spc(frame, "p", "v", size="v", chart_options={"smoothing": 0.1})
    limits, _ = api.spc(frame, "ewma", "v", chart_options={"smoothing": 0.5, "sigma": 1.0})
    assert limits.loc[0, "ucl"] == pytest.approx(limits.loc[0, "centre"] + 3 * 0.5)
