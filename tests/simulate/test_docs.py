"""docs/simulator.md documents every setting and every activity the simulator writes."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from pdca.simulate import SimulationConfig
from pdca.simulate.frames import ACTIVITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def _settings() -> list[str]:
    names = []
    for name, field in SimulationConfig.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += [f"{name}.{sub}" for sub in kind.model_fields]
        else:
            names.append(name)
    return names


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in _settings() if f"| `{name}` |" not in text]
    assert not missing, missing


def test_every_activity_and_its_state_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for label, state in ACTIVITIES.items():
        assert f"| `{label}` | `{state.value}` |" in text, label


def test_every_cli_option_is_documented() -> None:
    import inspect  # noqa: PLC0415

    from pdca.interfaces.cli.simulate import simulate  # noqa: PLC0415

    text = DOC.read_text(encoding="utf-8")
    for name in inspect.signature(simulate).parameters:
        option = {"fmt": "format"}.get(name, name)
        assert f"`--{option}" in text or f"--{option.replace('_', '-')}" in text, option
