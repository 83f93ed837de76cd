"""Request and response bodies of the HTTP API (the contract in docs/api.md), one module per
resource. Class names are the schema names of the OpenAPI document: renaming one changes it."""

from api.schemas.audit import (
    AuditEventOut,
    BrokenChainOut,
    EventPage,
    VerifyOut,
)
from api.schemas.common import (
    Problem,
    Strict,
    TimeParam,
)
from api.schemas.items import (
    AvailableTransition,
    EventOut,
    History,
    HistoryEventOut,
    ItemCreate,
    ItemDetail,
    ItemOut,
    ItemPage,
    TransitionIn,
)
from api.schemas.leads import (
    AttachmentIn,
    LeadCreatedOut,
    LeadIn,
    LinkIn,
    LinkOut,
    ReasonIn,
    ReporterIn,
    ReporterOut,
    SubjectIn,
    Vocabularies,
)
from api.schemas.notifications import (
    MarkedRead,
    NotificationOut,
    NotificationPage,
)
from api.schemas.org import (
    JurisdictionIn,
    JurisdictionOut,
    TokenOut,
    UnitIn,
    UnitOut,
    UserIn,
    UserOut,
    UserWithToken,
)
from api.schemas.receipts import (
    FollowUpIn,
    ReceiptIn,
    StatusOut,
)
from api.schemas.reports import (
    SummaryOut,
)
from api.schemas.transparency import (
    ConsistencyProofOut,
    CosignatureIn,
    CosignatureOut,
    CosignaturesOut,
    InclusionProofOut,
    LogKeyOut,
)
from api.schemas.workflows import (
    ConditionOut,
    EscalationOut,
    FieldOut,
    StateOut,
    TransitionOut,
    WorkflowOut,
    WorkflowSummary,
)

__all__ = [
    "AttachmentIn",
    "AuditEventOut",
    "AvailableTransition",
    "BrokenChainOut",
    "ConditionOut",
    "ConsistencyProofOut",
    "CosignatureIn",
    "CosignatureOut",
    "CosignaturesOut",
    "EscalationOut",
    "EventOut",
    "EventPage",
    "FieldOut",
    "FollowUpIn",
    "History",
    "HistoryEventOut",
    "InclusionProofOut",
    "ItemCreate",
    "ItemDetail",
    "ItemOut",
    "ItemPage",
    "JurisdictionIn",
    "JurisdictionOut",
    "LeadCreatedOut",
    "LeadIn",
    "LinkIn",
    "LinkOut",
    "LogKeyOut",
    "MarkedRead",
    "NotificationOut",
    "NotificationPage",
    "Problem",
    "ReasonIn",
    "ReceiptIn",
    "ReporterIn",
    "ReporterOut",
    "StateOut",
    "StatusOut",
    "Strict",
    "SubjectIn",
    "SummaryOut",
    "TimeParam",
    "TokenOut",
    "TransitionIn",
    "TransitionOut",
    "UnitIn",
    "UnitOut",
    "UserIn",
    "UserOut",
    "UserWithToken",
    "VerifyOut",
    "Vocabularies",
    "WorkflowOut",
    "WorkflowSummary",
]
