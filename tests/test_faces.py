"""The lazy public faces (`engine/<part>/__init__.py`, PEP 562): the table that says which
module holds a name lists exactly the names the face exports, and each resolves to that
module's object. A name added to `__all__` but not to the table would fail only when first
used, far from here."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

import engine

LAZY = ["deadlines", "intake", "items", "org", "scheduling", "storage", "supervision",
        "transparency", "workflow"]


def _face(part: str) -> ModuleType:
    return importlib.import_module(f"{engine.__name__}.{part}")


@pytest.mark.parametrize("part", LAZY)
def test_the_table_lists_exactly_the_exported_names(part: str) -> None:
    face = _face(part)
    table = face._MODULE_OF
    assert set(table) == set(face.__all__), part


@pytest.mark.parametrize("part", LAZY)
def test_every_exported_name_is_its_modules_object(part: str) -> None:
    face = _face(part)
    for name, module in face._MODULE_OF.items():
        home = importlib.import_module(f"{face.__name__}.{module}")
        assert getattr(face, name) is getattr(home, name), f"{part}.{name}"
