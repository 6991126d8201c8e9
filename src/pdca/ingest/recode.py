"""Value maps: recoding a mapped column's values as the mapping says.

``[values.priority]`` turns "Muito alta" into "1 - Muito alta", ``[values.ticket_type]`` turns
"Requisição" into ``service_request``, ``[values.made_sla]`` (or ``[sla]``) turns a yes/no verdict
in any language into ``true``/``false``. A value is looked up as written (spaces around it
ignored), then by its words (:func:`pdca.ingest.lexicon.normal`: case and accents ignored).

A value outside the map is never dropped silently: text fields keep it as it was, the SLA verdict
leaves it empty; either way it is counted per field and the import report warns with the counts.
"""

from __future__ import annotations

import pandas as pd

from pdca.errors import MappingError
from pdca.ingest.lexicon import normal, yes_no
from pdca.ingest.mapping import Mapping
from pdca.model.schema import Col

MADE_SLA = "made_sla"


def value_columns(mapping: Mapping, columns: list[str]) -> dict[str, str]:
    """Name in ``[values]`` -> the source column it recodes (fields, attributes, columns)."""
    names: dict[str, str] = dict(mapping.columns.text_fields())
    if mapping.columns.ticket_type:
        names[Col.TICKET_TYPE] = mapping.columns.ticket_type
    names.update(mapping.attribute_columns())
    out: dict[str, str] = {}
    for name in mapping.values:
        column = names.get(name, name if name in columns else None)
        if column is None:
            raise MappingError(
                f"values.{name}: no mapped field, attribute or column has that name",
                "name a field of [columns], an attribute of [attributes] or a column of the file",
            )
        out[name] = column
    if mapping.sla is not None and MADE_SLA not in out:
        out[MADE_SLA] = mapping.sla.column
    return out


def _lookup(text: pd.Series, table: dict[str, str], means: str | None) -> pd.Series:
    exact = {k.strip(): v for k, v in table.items()}
    by_words = {normal(k): v for k, v in table.items()}
    out: dict[str, str | None] = {}
    for value in text.dropna().unique():
        key = str(value).strip()
        found = exact.get(key, by_words.get(normal(key)))
        if found is None and means is not None:
            said = yes_no(key)
            if said is not None:
                found = "true" if said == (means == "met") else "false"
        out[str(value)] = found
    return text.map(out)


def recode(
    values: pd.DataFrame, mapping: Mapping
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """``values`` with every mapped column recoded, and the values outside each map (counts).

    ``values`` holds the source columns with missing values already as NA.
    """
    targets = value_columns(mapping, list(values.columns))
    if not targets:
        return values, {}
    out = values.copy()
    unmapped: dict[str, dict[str, int]] = {}
    for name, column in targets.items():
        table = mapping.values.get(name, {})
        means = mapping.sla.means if name == MADE_SLA and mapping.sla is not None else None
        text = values[column]
        recoded = _lookup(text, table, means)
        missed = text.notna() & recoded.isna()
        if missed.any():
            counts = text[missed].astype(str).value_counts()
            unmapped[name] = {str(k): int(v) for k, v in counts.items()}
        # the SLA verdict must be true or false: an unknown word leaves it empty
        out[column] = recoded if name == MADE_SLA else recoded.where(~missed, text)
    return out, unmapped


def renamed_attributes(values: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The renamed attributes (``[attributes]`` and the SLA verdict) under their new names."""
    return pd.DataFrame(
        {name: values[column] for name, column in mapping.attribute_columns().items()},
        index=values.index,
    )
