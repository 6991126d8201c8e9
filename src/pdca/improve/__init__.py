"""Act: the improvement register — initiatives, verification of their effect, control, suggestions.

* :mod:`.initiative` — fields, cycles (PDCA, DMAIC) and scope of an initiative;
* :mod:`.verify` — the baseline and the before/after verification with a staged control chart;
* :mod:`.stats` — the tests, verdicts and power calculations on per-unit values;
* :mod:`.control` — the control standard adopted after a verified improvement, and its alerts;
* :mod:`.suggest` — candidate initiatives from the mining results.

The register itself lives in the records database (:mod:`pdca.records.register`; a store made by
an earlier pdca kept it in DuckDB, :mod:`pdca.engine.register`, and it is copied over once);
:mod:`pdca.api.improve` ties them together. docs/improve.md walks through the cycle.
"""
