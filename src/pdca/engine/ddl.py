"""Schema migrations of the embedded store.

Each migration is applied once, in order, inside a transaction; ``pdca_schema`` records the version.
Add a new migration at the end of :data:`MIGRATIONS`; never edit an applied one.
"""

from __future__ import annotations

from pdca.engine.keys import REKEY_STATEMENTS
from pdca.model.schema import EVENT_COLUMNS, TICKET_FACT_COLUMNS
from pdca.model.surveys import SURVEY_COLUMNS

_DUCK_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "int64": "BIGINT",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
}


def _table(name: str, columns: dict[str, str]) -> str:
    cols = ",\n  ".join(f'"{c}" {_DUCK_TYPES[t]}' for c, t in columns.items())
    return f'CREATE TABLE "{name}" (\n  {cols}\n)'


def duck_type(logical: str) -> str:
    """DuckDB type of a logical column type."""
    return _DUCK_TYPES[logical]


MIGRATIONS: list[list[str]] = [
    # 1: canonical tables, import log and quarantine
    [
        _table("events", EVENT_COLUMNS),
        _table("tickets", TICKET_FACT_COLUMNS),
        """CREATE TABLE imports (
  import_id BIGINT PRIMARY KEY,
  log VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  path VARCHAR,
  sha256 VARCHAR,
  imported_at TIMESTAMP,
  rows_read BIGINT,
  stored BIGINT,
  quarantined BIGINT,
  duplicates BIGINT,
  report VARCHAR
)""",
        """CREATE TABLE quarantine (
  import_id BIGINT NOT NULL,
  log VARCHAR NOT NULL,
  "row" BIGINT,
  reason VARCHAR NOT NULL,
  raw VARCHAR
)""",
        "CREATE SEQUENCE import_ids START 1",
    ],
    # 2: survey responses (Voice of the Customer: CSAT, NPS)
    [
        _table("surveys", SURVEY_COLUMNS),
    ],
    # 3: the improvement register (initiatives and the log of every change to them)
    [
        """CREATE TABLE initiatives (
  initiative_id BIGINT PRIMARY KEY,
  log VARCHAR NOT NULL,
  title VARCHAR NOT NULL,
  problem VARCHAR,
  owner VARCHAR,
  cycle VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  kpi VARCHAR NOT NULL,
  kpi_options VARCHAR,
  scope VARCHAR,
  baseline VARCHAR,
  target DOUBLE,
  actions VARCHAR,
  go_live TIMESTAMP,
  standard VARCHAR,
  verdict VARCHAR,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
)""",
        """CREATE TABLE initiative_log (
  initiative_id BIGINT NOT NULL,
  entry BIGINT NOT NULL,
  changed_at TIMESTAMP NOT NULL,
  who VARCHAR NOT NULL,
  what VARCHAR NOT NULL,
  field VARCHAR,
  old_value VARCHAR,
  new_value VARCHAR
)""",
        "CREATE SEQUENCE initiative_ids START 1",
    ],
    # 4: where each live pull (pdca pull) stopped: the cursor per source, URL and log
    [
        """CREATE TABLE pull_cursors (
  source VARCHAR NOT NULL,
  url VARCHAR NOT NULL,
  log VARCHAR NOT NULL,
  cursor VARCHAR NOT NULL,
  import_id BIGINT,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, url, log)
)""",
    ],
    # 5: content keys with an unambiguous encoding of each field (engine/keys.py)
    REKEY_STATEMENTS,
]
