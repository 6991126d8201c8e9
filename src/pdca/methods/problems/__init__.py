"""Problem management: recurring incidents as text clusters, and bursts of similar tickets.

* :mod:`.documents` — a ticket's text and its codes (category, configuration item) as one document;
* :mod:`.clusters` — TF-IDF, TruncatedSVD and HDBSCAN (:class:`TextClusters`);
* :mod:`.summary` — one row per cluster: tickets, hours lost, reopens, top words, examples;
* :mod:`.quality` — purity and adjusted mutual information against known labels;
* :mod:`.bursts` — the burst rule for one group (a permutation scan test on the desk's stream);
* :mod:`.scan` — every group of every dimension scanned, episodes as a table.

See docs/problems.md.
"""

from __future__ import annotations

from pdca.methods.problems.bursts import BurstRule
from pdca.methods.problems.clusters import NOISE, TextClusters
from pdca.methods.problems.documents import CODE_KEYS, TEXT_KEYS, code_token, documents
from pdca.methods.problems.quality import agreement
from pdca.methods.problems.scan import scan_bursts
from pdca.methods.problems.summary import RANKINGS, TicketInfo, cluster_table, unclustered

__all__ = [
    "CODE_KEYS",
    "NOISE",
    "RANKINGS",
    "TEXT_KEYS",
    "BurstRule",
    "TextClusters",
    "TicketInfo",
    "agreement",
    "cluster_table",
    "code_token",
    "documents",
    "scan_bursts",
    "unclustered",
]
