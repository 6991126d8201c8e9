"""Independent readers of a review pack: the HTML parsed with the standard library's parser, the
PDF's text extracted by pypdf, the layout read from WeasyPrint's boxes. None of them uses the
code that wrote the pack."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pypdf import PdfReader


@dataclass
class _Cell:
    text: str = ""


@dataclass
class Parsed:
    """What a review's HTML shows."""

    headings: list[str] = field(default_factory=list)
    """Section titles (``<section><h2>``), in order."""
    section_ids: list[str] = field(default_factory=list)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    """Section id → rows of its first table (header row first)."""
    charts: int = 0


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._section = ""
        self._in_h2 = False
        self._h2 = ""
        self._row: list[str] | None = None
        self._cell: _Cell | None = None
        self._tables_seen: set[str] = set()
        self._table_of: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self._section = found.get("id") or ""
            self.out.section_ids.append(self._section)
        elif tag == "h2" and self._section:
            self._in_h2, self._h2 = True, ""
        elif tag == "table" and self._section and self._section not in self._tables_seen:
            self._tables_seen.add(self._section)
            self._table_of = self._section
            self.out.tables[self._section] = []
        elif tag == "tr" and self._table_of:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = _Cell()
        elif tag == "div" and "chart" in (found.get("class") or "").split():
            self.out.charts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._in_h2:
            self._in_h2 = False
            self.out.headings.append(" ".join(self._h2.split()))
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join(self._cell.text.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table_of:
            self.out.tables[self._table_of].append(self._row)
            self._row = None
        elif tag == "table":
            self._table_of = None
        elif tag == "section":
            self._section = ""

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self._h2 += data
        if self._cell is not None:
            self._cell.text += data


def parse(html_text: str) -> Parsed:
    """The headings, first tables and charts of a review's HTML."""
    reader = _Reader()
    reader.feed(html_text)
    return reader.out


def flat(text: str) -> str:
    """Text with every run of white space one space (PDF lines break anywhere)."""
    return " ".join(text.split())


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of the PDF ``path`` (pypdf)."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdf_images(path: Path) -> int:
    """Raster images in the PDF (charts drawn as vectors add none)."""
    return sum(len(page.images) for page in PdfReader(path).pages)


def page_of(pages: list[str], text: str) -> list[int]:
    """The (1-based) pages whose text holds ``text`` (white space flattened)."""
    want = flat(text)
    return [i + 1 for i, page in enumerate(pages) if want in flat(page)]


def contents(pages: list[str]) -> dict[str, int]:
    """The contents page's entries: title → page number (dot leaders between them)."""
    found: dict[str, int] = {}
    for line in pages[1].splitlines():
        match = re.match(r"^(.*?)\s*\.{3,}\s*(\d+)\s*$", line)
        if match:
            found[flat(match.group(1))] = int(match.group(2))
    return found


def element_pages(
    document: Any, tag: str, cls: str | None = None, *, data_row: bool = False
) -> dict[int, set[int]]:
    """For each ``tag`` element (of class ``cls``; with ``data_row``, only rows of ``<td>``
    cells, not header rows) of a laid-out WeasyPrint document, the pages its boxes are drawn
    on."""
    where: dict[int, set[int]] = defaultdict(set)

    def walk(box: Any) -> Any:
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    for number, page in enumerate(document.pages):
        for box in walk(page._page_box):
            element = getattr(box, "element", None)
            if element is None or element.tag != tag:
                continue
            if cls is not None and cls not in (element.get("class") or "").split():
                continue
            if data_row and not any(child.tag == "td" for child in element):
                continue
            where[id(element)].add(number)
    return where
