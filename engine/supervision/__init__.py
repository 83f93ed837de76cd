"""Supervision notices (督办) and extensions (延期) of items, as the workflow files declare
them: the rules of each step, the rows that record them, their audit events through the one
writer (engine.items.record_step) and their notifications; and the sweep's step that raises
an unanswered notice past its reply deadline (docs/supervision.md)."""

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
