"""The Volvo incident log's process map, drawn from the real data (skipped when it is absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pdca.api
from pdca.engine.store import Store
from pdca.methods import mining
from pdca.model.schema import Col
from pdca.render import process_map_svg
from tests.conftest import VOLVO, shared_file
from tests.render.maps import (
    drawn_edges,
    drawn_nodes,
    expected_pruning,
    groups,
    node_boxes,
    overlapping,
    parse,
)

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def volvo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = shared_file(VOLVO)
    root: Path = tmp_path_factory.mktemp("render-volvo")
    log = pdca.api.ingest(path, store=root).log
    with Store.open(root, read_only=True) as st:
        t = mining.prepare(st.events(log))
        edges = mining.process_map(t)
        start = mining.start_activities(t)
        end = mining.end_activities(t)
        activities = st.events(log).select(Col.ACTIVITY).to_pandas()[Col.ACTIVITY]
    # Counted straight from the events, not from the edges.
    occurrences = dict(Counter(str(a) for a in activities))
    return {"edges": edges, "start": start, "end": end, "occurrences": occurrences}


def test_the_whole_map(volvo: dict[str, Any]) -> None:
    edges: pd.DataFrame = volvo["edges"]
    assert len(edges) == 81
    svg_text = process_map_svg(edges, volvo["start"], volvo["end"])  # timed: bench_layout.py
    root = parse(svg_text)
    drawn = drawn_edges(root)
    assert len(drawn) == len(set(drawn)) == 81 + len(volvo["start"]) + len(volvo["end"])
    assert {(s, t) for k, s, t in drawn if k == "flow"} == set(
        zip(edges["source"], edges["target"], strict=True)
    )
    counts = {
        g.get("data-activity"): int(g.get("data-count"))
        for g in groups(root, "node")
        if g.get("data-kind") == "activity"
    }
    assert counts == volvo["occurrences"]
    assert len(counts) == 13
    assert not overlapping(node_boxes(root))


@pytest.mark.parametrize(
    ("label", "max_activities", "share"),
    [("frequency", 8, 0.05), ("median", None, 0.05), ("p90", 10, 0.2), ("cases", 5, 1.0)],
)
def test_pruned_maps(
    volvo: dict[str, Any], label: str, max_activities: int | None, share: float
) -> None:
    edges, start, end = volvo["edges"], volvo["start"], volvo["end"]
    want = expected_pruning(edges, start, end, volvo["occurrences"], max_activities, share)
    assert len(want.flow) < 81
    root = parse(
        process_map_svg(
            edges,
            start,
            end,
            label=label,  # type: ignore[arg-type]
            max_activities=max_activities,
            min_edge_share=share,
        )
    )
    drawn = drawn_edges(root)
    assert len(drawn) == len(set(drawn))
    assert {(s, t) for k, s, t in drawn if k == "flow"} == want.flow
    assert {t for k, _, t in drawn if k == "start"} == want.start
    assert {s for k, s, _ in drawn if k == "end"} == want.end
    assert sorted(str(a) for k, a in drawn_nodes(root) if k == "activity") == sorted(
        want.activities
    )
    assert not overlapping(node_boxes(root))
