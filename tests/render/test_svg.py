"""The SVG building blocks: text is always escaped, numbers stable, documents standalone."""

from __future__ import annotations

import math

import pytest

from pdca.render import svg
from tests.render.maps import NS, parse

NASTY = "<script>alert(\"x\")</script> & 'quotes' ]]> \x07\x00 end"


def test_text_and_attributes_are_escaped_and_read_back_unchanged() -> None:
    doc = svg.Document(100, 50, title=NASTY, description=NASTY)
    doc.add(
        svg.group(
            svg.text(1, 2, NASTY),
            svg.tooltip(NASTY),
            attrs={"class": "x", "data-activity": NASTY},
        )
    )
    out = doc.to_string()
    assert "<script" not in out
    assert "]]>" not in out
    assert "\x07" not in out
    assert "\x00" not in out
    root = parse(out)
    expected = NASTY.replace("\x07", "\ufffd").replace("\x00", "\ufffd")
    g = root.find(f"{NS}g")
    assert g.get("data-activity") == expected
    assert g.find(f"{NS}text").text == expected
    assert g.find(f"{NS}title").text == expected
    assert root.find(f"{NS}title").text == expected
    assert root.find(f"{NS}desc").text == expected


def test_newlines_in_attributes_survive() -> None:
    out = svg.Document(10, 10, title="t", attrs={"data-x": "a\nb\tc"}).to_string()
    assert parse(out).get("data-x") == "a\nb\tc"


def test_document_is_standalone_with_view_box() -> None:
    out = svg.Document(120.2, 40, title="T").to_string()
    root = parse(out)
    assert root.tag == f"{NS}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "121",
        "40",
        "0 0 121 40",
    )
    assert not out.startswith("<?xml")  # can be placed in an HTML page as it is
    assert "http" not in out.replace(svg.SVG_NS, "")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (1.5, "1.5"), (2.0, "2"), (-0.001, "0"), (1 / 3, "0.33"), (-12.345, "-12.35")],
)
def test_numbers(value: float, text: str) -> None:
    assert svg.num(value) == text


def test_numbers_must_be_finite() -> None:
    with pytest.raises(ValueError, match="cannot draw"):
        svg.num(math.nan)


def test_none_attributes_are_left_out() -> None:
    el = svg.element("rect", {"x": 1, "fill": None})
    assert el.attrib == {"x": "1"}


def test_path_data() -> None:
    d = svg.PathData().move(0, 0).line(10, 0.5).curve((1, 2), (3, 4), (5, 6)).close().text
    assert d == "M0,0 L10,0.5 C1,2 3,4 5,6 Z"


def test_arrowhead_points_along_its_direction() -> None:
    tip, left, right = svg.arrowhead((10, 10), (0, 2), length=6, half_width=3)
    assert tip == (10, 10)
    assert left[1] == pytest.approx(4)
    assert right[1] == pytest.approx(4)
    assert sorted([left[0], right[0]]) == pytest.approx([7, 13])


def test_text_width_grows_with_text_and_size() -> None:
    assert svg.text_width("") == 0
    assert svg.text_width("abc") < svg.text_width("abcd")
    assert svg.text_width("iii") < svg.text_width("MMM")
    assert svg.text_width("abc", 20) == pytest.approx(svg.text_width("abc", 10) * 2)
    assert svg.text_width("日本") > svg.text_width("ab")


def test_mix() -> None:
    assert svg.mix("#000000", "#ffffff", 0) == "#000000"
    assert svg.mix("#000000", "#ffffff", 1) == "#ffffff"
    assert svg.mix("#000000", "#ffffff", 0.5) == "#808080"
    assert svg.mix("#000000", "#ffffff", 7) == "#ffffff"
