"""The lazy public faces of the engine's parts (PEP 562): a part's `__init__` names which of
its modules holds each exported name, and the module is imported when the name is first
asked for, so a caller (or `leadflow --help`) pays only for what it uses. Each face keeps its
own explicit imports (`_module`: tools and tests/test_layering.py follow them); this is the
one `__getattr__` they share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping


def lazy_attribute(face: MutableMapping[str, object], table: Mapping[str, str],
                   module_of: Callable[[str], object]) -> Callable[[str], object]:
    """The `__getattr__` of a face whose globals are `face`: `table` maps a name to its
    module's name, `module_of` imports that module. A resolved name is kept in the face."""
    def __getattr__(name: str) -> object:
        if name not in table:
            raise AttributeError(f"module {face['__name__']!r} has no attribute {name!r}")
        value = getattr(module_of(table[name]), name)
        face[name] = value
        return value

    return __getattr__
