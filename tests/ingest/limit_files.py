"""Hostile files built on the fly, and a way to run pdca on them and measure its peak memory.

The bombs are small on disk: a gzip file may hold several members one after the other (every
reader must decompress them all), so one compressed block of 1 MiB repeated 5,120 times is a
5 GiB file that takes a few megabytes and no time to write.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

MIB = 1 << 20
GIB = 1 << 30
_WRAP = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'PEAK {peak}', file=sys.stderr)\n"
    "sys.exit(r.returncode)\n"
)


def gzip_bomb(path: Path, head: bytes, block: bytes, total: int) -> Path:
    """``head`` then ``block`` repeated up to ``total`` bytes, as a multi-member gzip file."""
    member = gzip.compress(block, compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress(head))
        for _ in range(total // len(block)):
            out.write(member)
    return path


def csv_bomb(path: Path, total: int = 5 * GIB) -> Path:
    """A ServiceNow-like CSV of ``total`` bytes of repeated rows, gzip-compressed."""
    row = b"INC0000001,New,0,04/03/2021 10:00,some text about the incident\n"
    block = row * (MIB // len(row))
    return gzip_bomb(
        path, b"number,incident_state,sys_mod_count,sys_updated_at,note\n", block, total
    )


def zeros_bomb(path: Path, total: int = 5 * GIB) -> Path:
    """``total`` zero bytes, gzip-compressed."""
    return gzip_bomb(path, b"", bytes(MIB), total)


def xes_bomb(path: Path, total: int = 5 * GIB) -> Path:
    """An XES log whose one trace repeats the same event up to ``total`` bytes (no closing tags:
    a reader must stop long before the end)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        b'<trace><string key="concept:name" value="T1"/>\n'
    )
    event = (
        b'<event><string key="concept:name" value="New"/>'
        b'<date key="time:timestamp" value="2021-03-04T10:00:00+00:00"/></event>\n'
    )
    return gzip_bomb(path, head, event * (MIB // len(event)), total)


def xlsx_with_huge_cell(path: Path, cell: int = 2 * GIB) -> Path:
    """A workbook whose one sheet holds one inline string of ``cell`` letters (about 9 MB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="S" sheetId="1"/></sheets></workbook>',
        )
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            block = b"A" * (16 * MIB)
            for _ in range(cell // len(block)):
                sheet.write(block)
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return path


@dataclass
class Run:
    """What a pdca command did: exit code, output, error lines and peak memory (MiB)."""

    code: int
    stdout: str
    errors: list[str]
    peak_mib: float


def run_pdca(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """Run ``pdca ARGS`` in a child process; its peak resident memory is measured by a wrapper
    process (so earlier children of the test process do not count)."""
    command = [sys.executable, "-c", _WRAP, sys.executable, "-m", "pdca.interfaces.cli", *args]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # so that a timeout can stop pdca too, not only the wrapper
    ) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            raise
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    peak = next((int(line.split()[1]) for line in lines if line.startswith("PEAK ")), 0)
    errors = [line for line in lines if not line.startswith("PEAK ")]
    return Run(done.returncode, done.stdout, errors, peak / 1024)
