"""XES (IEEE 1849) event logs: import from any process-mining tool, export for any of them.

XES is the standard file format of process mining tools (ProM, Disco, PM4Py, Celonis, …). An XES
file holds one *log* made of *traces* (here: one trace per ticket), each a list of *events*
that carry named attributes.

How pdca writes a log (``pdca export --to xes``)
------------------------------------------------

===============================  ===================================================
XES attribute                    canonical field
===============================  ===================================================
log ``concept:name``             log name
trace ``concept:name``           ``case_id`` (``log:case_id`` when several logs are exported)
event ``concept:name``           ``activity`` (the source's own label)
event ``time:timestamp``         ``timestamp`` (UTC, written as ``2016-02-29T01:23:00+00:00``)
event ``org:resource``           ``resource``
event ``org:group``              ``assignment_group``
event ``pdca:state``             ``state`` (canonical state: new, in_progress, …)
event ``pdca:ticket_type``       ``ticket_type``
event ``pdca:seq`` (int)         ``seq`` (source sequence number)
event ``pdca:row`` (int)         ``row`` (position in the original source file)
event ``pdca:FIELD``             the other canonical fields, same name: ``support_level``,
                                 ``priority``, ``service``, ``category``, ``subcategory``,
                                 ``channel``, ``location``, ``impact``, ``urgency``, ``caller``
event ``attr:NAME``              source field ``NAME`` (from the ``attributes`` JSON)
===============================  ===================================================

A field without a value is left out; an empty text is written as an empty value, so "missing" and
"empty" stay different. The source fields are prefixed ``attr:`` so that a source column named,
say, ``priority`` can never be mistaken for pdca's own ``pdca:priority``; the exceptions are the
standard XES keys ``lifecycle:transition``, ``lifecycle:state``, ``lifecycle:model``, ``org:role``
and ``concept:instance``, written under their own name so other tools understand them. A source
field whose value is missing is written as an empty ``attr:NAME`` carrying the meta-attribute
``pdca:type = null`` (a source-attributes text that is not a JSON object is kept whole as
``pdca:attributes``). Characters XML cannot hold at all (control characters other than tab, line
feed and carriage return) are replaced by U+FFFD.

How pdca reads a log (``pdca ingest FILE.xes``)
-----------------------------------------------

The same table read backwards, so a pdca export comes back unchanged (one exception: ``row`` is
taken from ``pdca:row`` only when the rows are all present and distinct, as the store needs; a log
put together from several imported files can repeat them, and then ``row`` is the event's position
in the XES file). Reading the same file again stores nothing new: the store recognises events by
their content. A log written by another tool maps like this:

* trace ``concept:name`` -> ``case_id``; other trace attributes are copied to each of its events'
  source fields as ``case:NAME``;
* event ``concept:name`` -> ``activity``; ``time:timestamp`` -> ``timestamp`` (any ISO 8601 form;
  with an offset it is converted to UTC, without one it is read in ``--timezone``, default UTC);
  ``org:resource`` -> ``resource``; ``org:group`` -> ``assignment_group``;
* every other event attribute (``lifecycle:transition`` included) becomes a source field of the
  same name, its value as text. Nested attributes become ``NAME.CHILD``, list items ``NAME[0]``,
  ``NAME[1]``, …; a ``float`` attribute with the value ``NaN`` (PM4Py's way of writing a missing
  value) counts as missing;
* the canonical state comes from ``pdca:state`` when present, otherwise from the ``[states]`` table
  of the mapping file given with ``--map`` (activity label -> state), otherwise ``unknown``. The
  ticket type comes from ``pdca:ticket_type``, else the mapping's ``ticket_type`` (default
  ``incident``).

Events without a time stamp, without an activity, outside a trace or in a trace without a name go
to quarantine with the reason. Files with a DTD, entity declarations or external references are
refused (:class:`~pdca.errors.UnsafeInputError`); they can read local files or blow up memory.
``.xes.gz`` files are read and written compressed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdca.ingest.collect import Collector, Labels, finish
from pdca.ingest.interchange import gc_paused, load_rules, timezone
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.xes_reader import read_xes
from pdca.ingest.xes_writer import write_xes
from pdca.model.batch import ImportBatch

LABELS = Labels(
    case="trace concept:name", activity="event concept:name", timestamp="event time:timestamp"
)


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read an XES file (plain or gzip) into a batch."""
    rules = load_rules(options.mapping)
    zone = timezone(options.timezone)
    log = options.log or default_log_name(path)
    collector = Collector()
    with gc_paused():
        handler, sha256, compressed = read_xes(path, collector)
    events, quarantine, details = finish(
        collector,
        log=log,
        rules=rules,
        zone=zone,
        labels=LABELS,
        formats={
            "format": "XES",
            "xes_version": handler.xes_version,
            "compressed": compressed,
            "written_by_pdca": handler.written_by_pdca,
            "log_name_in_file": handler.log_name,
            "traces": handler.traces,
        },
    )
    return ImportBatch(
        log=log,
        source="xes",
        path=str(path),
        sha256=sha256,
        rows_read=handler.events_seen,
        events=events,
        quarantine=quarantine,
        details=details,
    )


def write(events: pd.DataFrame, target: Path) -> Path:
    """Write canonical events (as from ``Store.events_df``) to ``target`` (``.gz``: compressed)."""
    return write_xes(events, target)
