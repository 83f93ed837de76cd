"""The import rules of docs/architecture.md, checked over the source tree so the layering
cannot rot: the engine knows nothing of HTTP or the command line, the API nothing of the
command line, every part of the engine imports only parts below it, and callers outside a
part import its public face (its `__init__`), never its modules."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The engine's parts, lowest first: a part may import only the parts before it (and the
# top-level modules errors, settings, logs; runtime sits above storage, workflow, deadlines).
PARTS = ("kernel", "storage", "workflow", "org", "deadlines", "items", "notify", "supervision",
         "reports", "transparency", "scheduling", "intake")
TOP_LEVEL = ("errors", "logs", "settings", "runtime")
HTTP = ("fastapi", "starlette", "uvicorn")


def imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:  # `from engine import items` imports engine.items
                yield node.lineno, f"{base}.{alias.name}"


def sources(top: str, root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / top).rglob("*.py") if "migrations" not in p.parts)


def _top(module: str) -> str:
    return module.split(".")[0]


Rule = Callable[[Path, str], object]


def violations(top: str, rule: Rule, root: Path = ROOT) -> list[str]:
    """Every import under `top` for which `rule(path, module)` gives a reason."""
    found = []
    for path in sources(top, root):
        for line, module in imports(path, root):
            why = rule(path, module)
            if why:
                found.append(f"{path.relative_to(root)}:{line}: imports {module}: {why}")
    return sorted(set(found))


def test_the_engine_knows_nothing_of_http_or_the_command_line() -> None:
    """Nothing in engine/ imports api, cli, console, fastapi, starlette or uvicorn."""
    banned = ("api", "cli", "console", *HTTP)
    assert violations("engine", lambda _p, m: _top(m) in banned and "banned here") == []


def test_the_api_knows_nothing_of_the_command_line() -> None:
    """Nothing in api/ imports cli/."""
    assert violations("api", lambda _p, m: _top(m) == "cli" and "banned here") == []


def test_the_console_knows_nothing_of_the_command_line() -> None:
    """Nothing in console/ imports cli/: the console calls the engine, as the API does."""
    assert violations("console", lambda _p, m: _top(m) == "cli" and "banned here") == []


def test_the_api_mounts_the_console_only_in_its_app_factory() -> None:
    """api/app.py mounts the console; no route or dependency of api/ reaches into it."""
    factory = ROOT / "api" / "app.py"
    assert violations("api", lambda p, m: _top(m) == "console" and p != factory
                      and "only api/app.py may import console") == []


def _part_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT / "engine").parts
    return rel[0] if len(rel) > 1 else None


def test_each_part_of_the_engine_imports_only_parts_below_it() -> None:
    """kernel < storage < workflow < org < deadlines < items < transparency < scheduling, intake."""
    def rule(path: Path, module: str) -> str | None:
        own = _part_of(path)
        names = module.split(".")
        if own is None or names[0] != "engine" or len(names) < 2 or names[1] not in PARTS:
            return None
        other = names[1]
        if other != own and PARTS.index(other) > PARTS.index(own):
            return f"{own} may not import {other}, which sits above it"
        return None

    assert violations("engine", rule) == []


@pytest.mark.parametrize("top", ["engine", "api", "cli", "console"])
def test_callers_outside_a_part_import_its_public_face(top: str) -> None:
    """`from engine.items import apply`, never `from engine.items.transition import apply`."""
    def rule(path: Path, module: str) -> str | None:
        names = module.split(".")
        if names[0] != "engine" or len(names) < 3 or names[1] not in PARTS:
            return None
        own = _part_of(path) if top == "engine" else None
        if own == names[1]:
            return None
        init = ROOT / "engine" / names[1] / "__init__.py"
        exported = {a.asname or a.name for n in ast.walk(ast.parse(init.read_text()))
                    if isinstance(n, ast.ImportFrom) for a in n.names}
        if names[2] in exported:  # `from engine.items import apply` seen as engine.items.apply
            return None
        return f"import it from engine.{names[1]} (its __init__) instead"

    assert violations(top, rule) == []


@pytest.mark.parametrize("top", ["engine", "api", "cli", "console"])
def test_no_module_is_imported_by_a_string(top: str) -> None:
    """Routers, commands and table modules are imported explicitly, so tools can follow them."""
    assert violations(top, lambda _p, m: m in ("importlib", "importlib.import_module")
                      and "import modules explicitly") == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself works: a made-up engine module importing fastapi, and one importing
    a module of the part above it through a relative import, are both caught."""
    kernel = tmp_path / "engine" / "kernel"
    kernel.mkdir(parents=True)
    (kernel / "probe.py").write_text("from fastapi import FastAPI\nfrom ..items import apply\n")
    found = violations("engine", lambda _p, m: m.split(".")[0] in HTTP
                       or m.startswith("engine.items"), tmp_path)
    assert {v.split(": imports ")[1] for v in found} == {
        "engine.items: True", "engine.items.apply: True", "fastapi: True",
        "fastapi.FastAPI: True"}
