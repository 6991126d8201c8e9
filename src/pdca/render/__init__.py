"""Drawings as standalone SVG documents: the presentation layer shared by the API, the CLI, the
reports and the web app.

Input is plain data (pandas DataFrames, Python values); nothing here reads the store or calls the
engine. No system binaries, fonts, style sheets, scripts or CDNs are used: the SVG text is
complete in itself.

- :func:`control_chart_svg` draws a control chart (:mod:`.control_chart`), with round axis
  ticks from :mod:`.ticks`;
- :func:`process_map_svg` draws a process map (:mod:`.process_map`), pruned by
  :func:`prune_process_map` (:mod:`.prune`) and laid out by :mod:`.layout`;
- :mod:`.svg` holds the safe building blocks every drawing uses; :mod:`.format` the number formats.
"""

from __future__ import annotations

from pdca.render.control_chart import control_chart_svg
from pdca.render.format import format_count, format_duration
from pdca.render.process_map import EDGE_LABELS, EdgeLabel, process_map_svg
from pdca.render.prune import PrunedMap, activity_counts, prune_process_map

__all__ = [
    "EDGE_LABELS",
    "EdgeLabel",
    "PrunedMap",
    "activity_counts",
    "control_chart_svg",
    "format_count",
    "format_duration",
    "process_map_svg",
    "prune_process_map",
]
