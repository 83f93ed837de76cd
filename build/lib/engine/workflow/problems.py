"""Where things are in a workflow file: each path's line, and a collector of problems that
points each one at its line (or the nearest enclosing line we know)."""

from __future__ import annotations

import re

import yaml

from engine.errors import DefinitionProblem


def _line_map(text: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Map each path ("states.received.deadline") to its 1-based line in the file; also list
    keys written twice in one mapping, which YAML would otherwise silently resolve to the last."""
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int]] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines, repeated

    def walk(node: yaml.Node, path: str) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                sub = f"{path}.{key.value}" if path else str(key.value)
                if sub in seen:
                    repeated.append((sub, key.start_mark.line + 1))
                    continue
                seen.add(sub)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                walk(value, f"{path}[{i}]")

    if root is not None:
        walk(root, "")
    return lines, repeated


class ProblemCollector:
    """Collects every problem of one file, each located at its line."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.problems: list[DefinitionProblem] = []
        self._lines, repeated = _line_map(text)
        for path, line in repeated:
            self.problems.append(DefinitionProblem(
                file=f"{file}:{line}", path=path, problem=f"{path} is written twice",
                fix=f"keep one {path.rsplit('.', 1)[-1]!r} (the first is at line "
                    f"{self._lines[path]})"))

    def add(self, path: str, problem: str, fix: str) -> None:
        line = self._lines.get(path)
        if line is None:  # fall back to the nearest enclosing path we know
            parent = path
            while parent and line is None:  # a.b[0].c → a.b[0] → a.b → a → "" (the root)
                parent = re.sub(r"(\.[^.\[]+|\[\d+\]|^[^.\[]+)$", "", parent)
                line = self._lines.get(parent)
        where = f"{self.file}:{line}" if line else self.file
        self.problems.append(DefinitionProblem(file=where, path=path or "<top>",
                                               problem=problem, fix=fix))
