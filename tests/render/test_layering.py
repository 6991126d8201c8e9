"""pdca.render is a presentation layer: it takes plain data and imports no engine or interface."""

from __future__ import annotations

import ast
from pathlib import Path

import pdca.render

FORBIDDEN = ("pdca.api", "pdca.interfaces", "pdca.engine", "pdca.methods", "duckdb", "ibis")


def test_render_imports_no_engine_api_or_interface() -> None:
    package = Path(pdca.render.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) >= 6
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"
