"""Report templates (TOML) choose and order the review's sections; the HTML is written by Jinja2
templates with autoescape, so hostile text from the data or a template is shown, never run."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca.errors import ConfigError, InputError
from pdca.interfaces.cli.app import app
from pdca.reports.review import SECTIONS, build_report, choose_layout
from pdca.simulate import SimulationConfig, simulate
from tests.reports.packcheck import flat, parse, pdf_pages

runner = CliRunner()
HOSTILE = "<script>alert(\"pwn\")</script> & <img src=x onerror=alert(1)> 'q'"
STAMP = "2026-01-05 07:00 UTC"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates") / "store"
    simulate(
        SimulationConfig(seed=5, start=date(2025, 1, 1), days=150, tickets=2_500, log=HOSTILE),
        store=root,
    )
    return root


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_built_in_templates() -> None:
    committee = choose_layout("committee")
    assert committee.sections == tuple(name for name, _ in SECTIONS)  # the full pack
    weekly = choose_layout("team-weekly")
    assert weekly.period == "week"
    assert weekly.sections == ("scorecard", "changes", "trends", "capability")


def test_a_template_chooses_and_orders_the_sections(store: Path, tmp_path: Path) -> None:
    toml = _write(
        tmp_path / "short.toml",
        'title = "Short pack"\nsections = ["capability", "scorecard", "conformance"]\n',
    )
    out = tmp_path / "short.html"
    result = build_report(store=store, out=out, template=toml, stamp=STAMP)
    shown = parse(out.read_text(encoding="utf-8"))
    assert shown.section_ids == ["capability", "scorecard", "conformance"]
    assert shown.headings == [
        "SLA capability",
        "Scorecard",
        "Deviations from the designed process",
    ]
    assert result.sections == ["capability", "scorecard", "conformance"]
    assert result.template is not None
    assert result.template.name == "short"
    assert result.period == "month"


@pytest.mark.parametrize(
    ("text", "error", "said"),
    [
        ('sections = ["scorecard", "nonsense"]\n', ConfigError, "unknown section(s) 'nonsense'"),
        ('sections = ["scorecard", "scorecard"]\n', ConfigError, "named twice: scorecard"),
        ("sections = []\n", ConfigError, "sections"),
        ('sections = ["scorecard"]\ncolour = "red"\n', ConfigError, "colour"),
        ('sections = ["scorecard"]\nperiod = "quarter"\n', ConfigError, "'quarter'"),
        ("sections = [scorecard\n", ConfigError, "not valid TOML"),
    ],
)
def test_a_bad_template_is_one_clear_error(
    text: str, error: type[Exception], said: str, tmp_path: Path
) -> None:
    path = _write(tmp_path / "bad.toml", text)
    with pytest.raises(error) as caught:
        choose_layout(path)
    assert said in str(caught.value)


def test_the_cli_refuses_an_unknown_template_in_one_line(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", "--store", str(store), "--template", "board", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "no report template 'board'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    with pytest.raises(InputError):
        choose_layout(tmp_path / "missing.toml")


def test_hostile_text_is_escaped_in_the_html_and_shown_literally_in_the_pdf(
    store: Path, tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed (pdca[pdf])")
    toml = _write(
        tmp_path / "evil.toml",
        f'title = """{HOSTILE}"""\nsections = ["scorecard", "changes"]\n',
    )
    out = tmp_path / "evil.html"
    build_report(store=store, out=out, template=toml, stamp=STAMP)
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert f"{HOSTILE} — {HOSTILE}" in html.unescape(text)  # the title: template — log
    pdf = tmp_path / "evil.pdf"
    build_report(store=store, out=pdf, template=toml, pdf=True, stamp=STAMP)
    pages = pdf_pages(pdf)
    assert flat(HOSTILE) in flat(pages[0])  # the cover shows the text as it is
    assert f"Log {flat(HOSTILE)}:" in flat(pages[0])
