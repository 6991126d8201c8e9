"""Report templates: which sections a review holds, in which order, under which title.

A report template is a small TOML file::

    name = "my-pack"            # how the archive names it (default: the file's stem)
    title = "Service review"    # the document's title; " — <log>" is added
    period = "month"            # the default reporting period (month or week)
    sections = ["scorecard", "changes", "trends"]   # printed in this order

Two are built in (``templates/packs/``): ``committee`` (every section: the full pack) and
``team-weekly`` (scorecard, changes, trends and SLA capability, per week). Section names are
those of :data:`pdca.reports.review.SECTIONS`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pdca.errors import ConfigError, InputError
from pdca.model.config_errors import config_error

BUILT_IN = ("committee", "team-weekly")
"""The report templates pdca ships."""
DEFAULT_TITLE = "Service review"


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    title: str = Field(default=DEFAULT_TITLE, min_length=1, max_length=200)
    period: str | None = None
    sections: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class Layout:
    """A report template, read and checked."""

    name: str
    title: str
    period: str | None
    sections: tuple[str, ...] | None
    """Section names in order; None: every section pdca has, in its order (no template given)."""
    text: str
    """The template's TOML as read (what the archive keeps)."""

    def to_toml(self) -> str:
        """The template as TOML (the text it was read from, or, for the default, the sections
        that default means)."""
        return self.text


def default_layout(sections: list[str]) -> Layout:
    """The layout without ``--template``: every section of ``sections``, in that order."""
    listed = ", ".join(json.dumps(s) for s in sections)
    text = (
        "# no --template: every section, in pdca's order\n"
        f'name = "default"\ntitle = "{DEFAULT_TITLE}"\nsections = [{listed}]\n'
    )
    return Layout("default", DEFAULT_TITLE, None, None, text)


def parse_layout(
    text: str, *, source: str, name: str, known: list[str], periods: tuple[str, ...]
) -> Layout:
    """Check the TOML ``text`` of a report template (``source`` names it in errors)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", "see docs/reports.md") from None
    try:
        fields = _Fields.model_validate(raw)
    except ValidationError as exc:
        raise config_error(source, exc, docs="docs/reports.md") from None
    unknown = [s for s in fields.sections if s not in known]
    if unknown:
        raise ConfigError(
            f"{source}: unknown section(s) {', '.join(map(repr, unknown))}",
            f"use some of: {', '.join(known)}",
        )
    twice = sorted({s for s in fields.sections if fields.sections.count(s) > 1})
    if twice:
        raise ConfigError(f"{source}: section(s) named twice: {', '.join(twice)}", "name each once")
    if fields.period is not None and fields.period not in periods:
        raise ConfigError(
            f"{source}: unknown reporting period {fields.period!r}", f"use {' or '.join(periods)}"
        )
    return Layout(fields.name or name, fields.title, fields.period, tuple(fields.sections), text)


def load_layout(template: str | Path, *, known: list[str], periods: tuple[str, ...]) -> Layout:
    """The report template ``template``: a built-in's name (:data:`BUILT_IN`) or a TOML file."""
    if isinstance(template, str) and template in BUILT_IN:
        text = (files("pdca.reports") / "templates" / "packs" / f"{template}.toml").read_text(
            encoding="utf-8"
        )
        return parse_layout(text, source=template, name=template, known=known, periods=periods)
    path = Path(template)
    if not path.is_file():
        raise InputError(
            f"no report template {str(template)!r}",
            f"give one of {', '.join(BUILT_IN)}, or the path of a TOML file (docs/reports.md)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the report template: {exc}") from None
    return parse_layout(text, source=str(path), name=path.stem, known=known, periods=periods)


__all__ = ["BUILT_IN", "Layout", "default_layout", "load_layout", "parse_layout"]
