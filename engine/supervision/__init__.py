"""Supervision notices (督办) and extensions (延期) of items, as the workflow files declare
them: the rules of each step, the rows that record them, their audit events through the one
writer (engine.items.record_step) and their notifications; and the sweep's step that raises
an unanswered notice past its reply deadline (docs/supervision.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.supervision.common import ExtensionRecord, NoticeRecord
    from engine.supervision.extensions import (
        approve_extension,
        list_extensions,
        refuse_extension,
        request_extension,
    )
    from engine.supervision.notices import (
        accept_reply,
        issue_notice,
        list_notices,
        reply_notice,
        return_reply,
    )
    from engine.supervision.sweep import RaiseReport, raise_overdue_notices

__all__ = [
    "ExtensionRecord",
    "NoticeRecord",
    "RaiseReport",
    "accept_reply",
    "approve_extension",
    "issue_notice",
    "list_extensions",
    "list_notices",
    "raise_overdue_notices",
    "refuse_extension",
    "reply_notice",
    "request_extension",
    "return_reply",
]

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "ExtensionRecord": "common", "NoticeRecord": "common",
    "approve_extension": "extensions", "list_extensions": "extensions",
    "refuse_extension": "extensions", "request_extension": "extensions",
    "accept_reply": "notices", "issue_notice": "notices", "list_notices": "notices",
    "reply_notice": "notices", "return_reply": "notices",
    "RaiseReport": "sweep", "raise_overdue_notices": "sweep",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "common":
            import engine.supervision.common as module
        elif name == "extensions":
            import engine.supervision.extensions as module
        elif name == "notices":
            import engine.supervision.notices as module
        elif name == "sweep":
            import engine.supervision.sweep as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
