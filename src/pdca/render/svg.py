"""Small, safe building blocks for standalone SVG documents.

Every chart pdca draws (process maps now, control charts next) is built from these helpers, so
the same rules hold everywhere:

- all text goes through :func:`clean` and the XML serializer, so labels that come from user data
  (``<``, ``&``, quotes, control characters) can never break the markup or inject elements;
- user text is only ever put into text nodes, ``<title>`` tooltips and ``data-*`` attributes,
  never into ``style``, ``href`` or event attributes;
- no external fonts, style sheets, scripts or images: a generic font stack and presentation
  attributes only, so a file opens offline and prints the same everywhere;
- numbers are written with at most two decimals, so the same drawing always gives the same text.

A document is an :class:`xml.etree.ElementTree.Element` tree built with :func:`element` (or the
shape helpers) and turned into text with :meth:`Document.to_string`.
"""

from __future__ import annotations

import math
import re
import unicodedata
import xml.etree.ElementTree as ET  # building and writing only; nothing is parsed here
from collections.abc import Iterable, Mapping, Sequence

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
"""Fonts every system has; no web fonts are loaded."""

# Sizes in px (1 px = 0.75 pt): 12 px prints as 9 pt when the drawing is printed at its own size.
TITLE_SIZE = 18.0
TEXT_SIZE = 14.0
SMALL_SIZE = 12.0

Attr = str | float | int | None
"""An attribute value: numbers are formatted with :func:`num`; ``None`` leaves it out."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NARROW = frozenset("fijlrtI!|.,:;'`()[]{} ")
_WIDE = frozenset("mwMW@%")


def clean(text: object) -> str:
    """``text`` as a string that XML 1.0 can hold: characters it cannot are replaced by U+FFFD.

    Escaping of ``<``, ``&`` and quotes is left to the serializer, which always does it.
    """
    return _NOT_XML.sub("\ufffd", str(text))


def num(value: float) -> str:
    """A coordinate or length as short, stable text: at most two decimals, no ``-0``."""
    if not math.isfinite(value):
        raise ValueError(f"cannot draw at {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _attr(value: str | float | int) -> str:
    if isinstance(value, str):
        return clean(value)
    return num(float(value))


def element(
    tag: str,
    attrs: Mapping[str, Attr] | None = None,
    *children: ET.Element,
    text: str | None = None,
) -> ET.Element:
    """An SVG element with attributes (``None`` values left out), children and text."""
    node = ET.Element(tag, {k: _attr(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        node.text = clean(text)
    node.extend(children)
    return node


def tooltip(text: str) -> ET.Element:
    """A ``<title>`` child: shown on hover in browsers and read by screen readers."""
    return element("title", text=text)


def group(*children: ET.Element, attrs: Mapping[str, Attr] | None = None) -> ET.Element:
    """A ``<g>`` holding ``children``; ``attrs`` may carry ``class`` and ``data-*`` values."""
    return element("g", attrs, *children)


def rect(
    x: float, y: float, width: float, height: float, attrs: Mapping[str, Attr] | None = None
) -> ET.Element:
    """A rectangle with its top-left corner at (``x``, ``y``)."""
    return element("rect", {"x": x, "y": y, "width": width, "height": height, **(attrs or {})})


def circle(cx: float, cy: float, r: float, attrs: Mapping[str, Attr] | None = None) -> ET.Element:
    """A circle around (``cx``, ``cy``)."""
    return element("circle", {"cx": cx, "cy": cy, "r": r, **(attrs or {})})


def line(
    x1: float, y1: float, x2: float, y2: float, attrs: Mapping[str, Attr] | None = None
) -> ET.Element:
    """A straight line from (``x1``, ``y1``) to (``x2``, ``y2``)."""
    return element("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **(attrs or {})})


def points(coords: Iterable[tuple[float, float]]) -> str:
    """``x,y x,y …`` for ``polyline`` and ``polygon``."""
    return " ".join(f"{num(x)},{num(y)}" for x, y in coords)


def polyline(
    coords: Sequence[tuple[float, float]], attrs: Mapping[str, Attr] | None = None
) -> ET.Element:
    """An open line through ``coords`` (unfilled unless ``attrs`` say otherwise)."""
    return element("polyline", {"points": points(coords), "fill": "none", **(attrs or {})})


def polygon(
    coords: Sequence[tuple[float, float]], attrs: Mapping[str, Attr] | None = None
) -> ET.Element:
    """A closed shape through ``coords``."""
    return element("polygon", {"points": points(coords), **(attrs or {})})


def path(d: str, attrs: Mapping[str, Attr] | None = None) -> ET.Element:
    """A ``<path>`` with outline ``d`` (build it with :class:`PathData`)."""
    return element("path", {"d": d, "fill": "none", **(attrs or {})})


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = TEXT_SIZE,
    anchor: str = "start",
    fill: str = "#1a202c",
    bold: bool = False,
    halo: bool = False,
    attrs: Mapping[str, Attr] | None = None,
) -> ET.Element:
    """One line of text whose baseline starts (``anchor``: ``start``, ``middle``, ``end``) at
    (``x``, ``y``). ``halo`` draws a white outline behind the letters, for text over lines."""
    style: dict[str, Attr] = {
        "x": x,
        "y": y,
        "font-size": size,
        "text-anchor": anchor,
        "fill": fill,
        "font-weight": "bold" if bold else None,
    }
    if halo:
        style |= {
            "stroke": "#ffffff",
            "stroke-width": 3,
            "stroke-linejoin": "round",
            "paint-order": "stroke",
        }
    return element("text", {**style, **(attrs or {})}, text=content)


def arrowhead(
    tip: tuple[float, float], direction: tuple[float, float], length: float, half_width: float
) -> list[tuple[float, float]]:
    """The three corners of an arrowhead pointing along ``direction`` with its point at ``tip``."""
    dx, dy = direction
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    return [
        tip,
        (bx - uy * half_width, by + ux * half_width),
        (bx + uy * half_width, by - ux * half_width),
    ]


class PathData:
    """Builds the ``d`` attribute of a path: ``PathData().move(0, 0).line(10, 0).text``."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def move(self, x: float, y: float) -> PathData:
        self._parts.append(f"M{num(x)},{num(y)}")
        return self

    def line(self, x: float, y: float) -> PathData:
        self._parts.append(f"L{num(x)},{num(y)}")
        return self

    def curve(
        self, c1: tuple[float, float], c2: tuple[float, float], end: tuple[float, float]
    ) -> PathData:
        """A cubic Bézier curve with control points ``c1``, ``c2``."""
        self._parts.append(
            f"C{num(c1[0])},{num(c1[1])} {num(c2[0])},{num(c2[1])} {num(end[0])},{num(end[1])}"
        )
        return self

    def close(self) -> PathData:
        self._parts.append("Z")
        return self

    @property
    def text(self) -> str:
        return " ".join(self._parts)


def text_width(content: str, size: float = TEXT_SIZE) -> float:
    """Estimated width of ``content`` set in a sans-serif font of ``size`` px.

    There are no font files to measure with, so each character counts a typical share of the
    font size (narrow letters less, capitals and wide letters more, East Asian wide characters a
    full em); estimates err on the wide side so that text fits the boxes drawn around it.
    """
    em = 0.0
    for ch in content:
        if ch in _NARROW:
            em += 0.34
        elif ch in _WIDE:
            em += 0.9
        elif unicodedata.east_asian_width(ch) in {"W", "F"}:
            em += 1.0
        elif ch.isupper():
            em += 0.72
        else:
            em += 0.62
    return em * size


def mix(light: str, dark: str, share: float) -> str:
    """The colour ``share`` (0 → ``light``, 1 → ``dark``) of the way between two ``#rrggbb``."""
    t = min(1.0, max(0.0, share))
    a = [int(light[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(dark[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


class Document:
    """A standalone SVG document ``width`` by ``height`` px with a title (and a description).

    The text it gives has no XML declaration, so it can be saved as a ``.svg`` file (UTF-8) or
    placed inside an HTML page as it is.
    """

    def __init__(
        self,
        width: float,
        height: float,
        *,
        title: str,
        description: str | None = None,
        attrs: Mapping[str, Attr] | None = None,
    ) -> None:
        w, h = math.ceil(width), math.ceil(height)
        self.root = element(
            "svg",
            {
                "xmlns": SVG_NS,
                "width": w,
                "height": h,
                "viewBox": f"0 0 {w} {h}",
                "role": "img",
                "font-family": FONT_FAMILY,
                **(attrs or {}),
            },
            tooltip(title),
        )
        if description:
            self.root.append(element("desc", text=description))
        self.root.append(rect(0, 0, w, h, {"fill": "#ffffff"}))

    def add(self, *children: ET.Element) -> None:
        self.root.extend(children)

    def to_string(self) -> str:
        return ET.tostring(self.root, encoding="unicode")
