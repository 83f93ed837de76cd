"""One writer of outbox rows: only engine/notify inserts notifications and webhook
deliveries, so the sweep, the digests, supervision and the alerts of intake and the
transparency log write them in one shape."""

from __future__ import annotations

import ast

from tests.test_layering import ROOT, sources


def _writes_outbox(node: ast.AST) -> bool:
    """`insert(NOTE)`, `insert(DELIVERY)` or executing a prepared NOTE/DELIVERY insert."""
    if not isinstance(node, ast.Call):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else \
        node.func.attr if isinstance(node.func, ast.Attribute) else ""
    args = [a.id for a in node.args if isinstance(a, ast.Name)]
    if name == "insert":
        return bool(set(args) & {"NOTE", "DELIVERY"})
    return name == "execute" and bool(set(args[:1]) & {"NOTE_INSERT", "DELIVERY_INSERT"})


def test_only_engine_notify_inserts_outbox_rows() -> None:
    writers = sorted({str(path.relative_to(ROOT)) for path in sources("engine")
                      for node in ast.walk(ast.parse(path.read_text("utf-8")))
                      if _writes_outbox(node)})
    assert writers == ["engine/notify/outbox.py"]
