"""Reading Excel workbooks (``.xlsx``, ``.xlsm``) into a table of text, like a CSV file.

The first row with content is the header. Every cell becomes text: dates and times that Excel
stores as real date values are written as ISO text (``2021-03-04 10:00:00``), which the timestamp
detection reads without any day/month doubt; whole numbers lose Excel's ``.0``. Formulas give
their last computed value. Old ``.xls`` files are not supported: save them as ``.xlsx`` or CSV.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError, MappingError
from pdca.ingest import limits
from pdca.ingest.limits import CELL, EXPANDED, RATIO, RATIO_FLOOR, size_text
from pdca.ingest.reader import ROW, BadRow, RawTable, _unique_names, check_columns

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ENCODING = "xlsx"
"""What the quality report shows as the 'encoding' of a workbook."""


def is_excel(path: Path, data: bytes) -> bool:
    """Whether ``path`` is an Excel workbook (by name or by content). Old ``.xls`` is an error."""
    if data.startswith(_OLE_MAGIC) or path.suffix.lower() == ".xls":
        raise InputError(
            f"{path} is an old Excel .xls workbook, which pdca does not read",
            "open it in Excel or LibreOffice and save it as .xlsx or CSV",
        )
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return True
    if not data.startswith(_ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _datetime_text(value: datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{value.microsecond:06d}" if value.microsecond else text


def cell_text(value: Any) -> str:
    """One cell as text; empty cells become the empty string."""
    text: str
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, datetime):
        text = _datetime_text(value)
    elif isinstance(value, date):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, time):
        text = value.strftime("%H:%M:%S")
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = str(value)
    return text


def _trimmed(row: tuple[Any, ...]) -> list[str]:
    cells = [cell_text(v) for v in row]
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = _trimmed(row)
        if cells:
            yield number, cells


def check_archive(data: bytes, path: Path) -> None:
    """Refuse a workbook whose parts would decompress beyond the size or ratio limits.

    The sizes come from the zip's directory; Python's zip reader never returns more than a part
    declares (a part that lies is a CRC error), so checking them bounds what openpyxl can read.
    """
    lim = limits.current()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path} cannot be read as an Excel workbook: {exc}") from None
    total = sum(p.file_size for p in parts)
    if total > lim.expanded_bytes:
        raise InputError(
            f"{path.name} holds {size_text(total)} once decompressed, over the limit of "
            f"{size_text(lim.expanded_bytes)} ({EXPANDED.env})",
            limits.hint(EXPANDED),
        )
    for part in parts:
        if part.file_size > RATIO_FLOOR and part.file_size > lim.ratio * max(part.compress_size, 1):
            raise InputError(
                f"{path.name}: part {part.filename} expands {size_text(part.compress_size)} into "
                f"{size_text(part.file_size)}, more than {lim.ratio:g} times ({RATIO.env}): it "
                "looks like a decompression bomb",
                limits.hint(RATIO),
            )


def _open(data: bytes, path: Path) -> Any:
    check_archive(data, path)
    import openpyxl  # noqa: PLC0415 - heavy; only imported when an Excel file is read

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError(f"{path} cannot be read as an Excel workbook: {exc}") from None


def _pick_sheet(book: Any, sheet: str | None, path: Path) -> Any:
    names = list(book.sheetnames)
    if sheet is not None:
        if sheet not in names:
            raise MappingError(
                f"sheet {sheet!r} not found in {path.name} (it has {', '.join(map(repr, names))})",
                "fix read.sheet in the mapping",
            )
        return book[sheet]
    for worksheet in book.worksheets:
        if next(_rows(worksheet), None) is not None:
            return worksheet
    raise InputError(f"{path} has no sheet with data")


def read_excel(path: Path, data: bytes, *, sheet: str | None = None) -> tuple[RawTable, str]:
    """Read one sheet (default: the first with data); returns the table and the sheet name."""
    book = _open(data, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            worksheet = _pick_sheet(book, sheet, path)
            rows = _rows(worksheet)
            first = next(rows, None)
            if first is None:
                raise InputError(f"sheet {worksheet.title!r} of {path} is empty")
            check_columns(len(first[1]), path)
            names, renamed = _unique_names(first[1])
            width = len(names)
            cap = limits.current().cell_bytes
            good: list[list[str]] = []
            positions: list[int] = []
            bad: list[BadRow] = []
            for position, (number, cells) in enumerate(rows):
                reason = None
                if len(cells) > width:
                    reason = f"has {len(cells)} fields, the header has {width}"
                elif any(len(c) > cap for c in cells):
                    reason = f"a value is longer than {size_text(cap)} ({CELL.env})"
                if reason is not None:
                    text = "\t".join(c if len(c) <= cap else c[:1024] + "…" for c in cells)
                    bad.append(BadRow(line=number, reason=reason, text=text, row=position))
                else:
                    good.append(cells + [""] * (width - len(cells)))
                    positions.append(position)
    finally:
        book.close()
    frame = pd.DataFrame(good, columns=names, dtype="str")
    frame[ROW] = positions
    raw = RawTable(
        frame=frame, bad_rows=bad, encoding=ENCODING, delimiter="", renamed_columns=renamed
    )
    return raw, str(worksheet.title)
