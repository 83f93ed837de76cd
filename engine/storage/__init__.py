"""Storage: connections and transactions, column types, every table (each exported once as a
Core `Table`), the schema and its migrations. Imports nothing else of the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.storage.api_tables import IDEM, TOKEN, ApiToken, IdempotencyKey
    from engine.storage.auth_tables import (
        PASSWORD,
        SESSION,
        SIGN_IN,
        ConsoleSession,
        SignInAttempt,
        UserPassword,
    )
    from engine.storage.calendar_tables import (
        CALENDAR_OVERRIDE,
        CALENDAR_REVISION,
        CALENDAR_YEAR,
        CalendarOverride,
        CalendarRevision,
        CalendarYear,
    )
    from engine.storage.db import (
        DEFAULT_SQLITE_URL,
        answers,
        inserted_id,
        is_postgres,
        make_engine,
        read_tx,
        snapshot_tx,
        write_tx,
    )
    from engine.storage.export_tables import EXPORT, ExportLog
    from engine.storage.intake_tables import (
        FAILURE,
        IDENTITY,
        IMPORT_BATCH,
        LINK,
        RECEIPT,
        SUBJECT,
        ImportBatch,
        ItemLink,
        LeadSubject,
        ReceiptCode,
        ReceiptFailure,
        ReporterIdentity,
    )
    from engine.storage.leases import worker_id
    from engine.storage.prepared import PlainRow, Prepared
    from engine.storage.revision import SchemaRevision, schema_revision
    from engine.storage.scheduler_tables import (
        ATTEMPT,
        DELIVERY,
        DIGEST,
        HEARTBEAT,
        MARK,
        NOTE,
        SCHEDULE,
        SWEEP_BUCKETS,
        DigestMark,
        EscalationMark,
        ItemSchedule,
        Notification,
        SweepHeartbeat,
        WebhookAttempt,
        WebhookDelivery,
        bucket_column,
    )
    from engine.storage.schema import metadata, upgrade
    from engine.storage.supervision_tables import (
        EXTENSION,
        NOTICE,
        SUPERVISION_MARK,
        ExtensionRequest,
        SupervisionMark,
        SupervisionNotice,
    )
    from engine.storage.tables import (
        COUNTER,
        DEF,
        EVENT,
        ITEM,
        JUR,
        ROLE_SCOPE,
        UNIT,
        USER,
        AuditEvent,
        Item,
        Jurisdiction,
        RefCounter,
        RoleScope,
        Unit,
        User,
        WorkflowDefinition,
    )
    from engine.storage.tlog_tables import (
        TLOG_CHECKPOINT,
        TLOG_COSIGNATURE,
        TLOG_HEAD,
        TLOG_LEAF,
        TLOG_NODE,
        TlogCheckpoint,
        TlogCosignature,
        TlogHead,
        TlogLeaf,
        TlogNode,
    )
    from engine.storage.types import PortableJSON, UTCDateTime, core_table

__all__ = [
    "ATTEMPT",
    "CALENDAR_OVERRIDE",
    "CALENDAR_REVISION",
    "CALENDAR_YEAR",
    "COUNTER",
    "DEF",
    "DEFAULT_SQLITE_URL",
    "DELIVERY",
    "DIGEST",
    "EVENT",
    "EXPORT",
    "EXTENSION",
    "FAILURE",
    "HEARTBEAT",
    "IDEM",
    "IDENTITY",
    "IMPORT_BATCH",
    "ITEM",
    "JUR",
    "LINK",
    "MARK",
    "NOTE",
    "NOTICE",
    "PASSWORD",
    "RECEIPT",
    "ROLE_SCOPE",
    "SCHEDULE",
    "SESSION",
    "SIGN_IN",
    "SUBJECT",
    "SUPERVISION_MARK",
    "SWEEP_BUCKETS",
    "TLOG_CHECKPOINT",
    "TLOG_COSIGNATURE",
    "TLOG_HEAD",
    "TLOG_LEAF",
    "TLOG_NODE",
    "TOKEN",
    "UNIT",
    "USER",
    "ApiToken",
    "AuditEvent",
    "CalendarOverride",
    "CalendarRevision",
    "CalendarYear",
    "ConsoleSession",
    "DigestMark",
    "EscalationMark",
    "ExportLog",
    "ExtensionRequest",
    "IdempotencyKey",
    "ImportBatch",
    "Item",
    "ItemLink",
    "ItemSchedule",
    "Jurisdiction",
    "LeadSubject",
    "Notification",
    "PlainRow",
    "PortableJSON",
    "Prepared",
    "ReceiptCode",
    "ReceiptFailure",
    "RefCounter",
    "ReporterIdentity",
    "RoleScope",
    "SchemaRevision",
    "SignInAttempt",
    "SupervisionMark",
    "SupervisionNotice",
    "SweepHeartbeat",
    "TlogCheckpoint",
    "TlogCosignature",
    "TlogHead",
    "TlogLeaf",
    "TlogNode",
    "UTCDateTime",
    "Unit",
    "User",
    "UserPassword",
    "WebhookAttempt",
    "WebhookDelivery",
    "WorkflowDefinition",
    "answers",
    "bucket_column",
    "core_table",
    "inserted_id",
    "is_postgres",
    "make_engine",
    "metadata",
    "read_tx",
    "schema_revision",
    "snapshot_tx",
    "upgrade",
    "worker_id",
    "write_tx",
]

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "IDEM": "api_tables", "TOKEN": "api_tables", "ApiToken": "api_tables",
    "IdempotencyKey": "api_tables",
    "PASSWORD": "auth_tables", "SESSION": "auth_tables", "SIGN_IN": "auth_tables",
    "ConsoleSession": "auth_tables", "SignInAttempt": "auth_tables",
    "UserPassword": "auth_tables",
    "CALENDAR_OVERRIDE": "calendar_tables", "CALENDAR_REVISION": "calendar_tables",
    "CALENDAR_YEAR": "calendar_tables", "CalendarOverride": "calendar_tables",
    "CalendarRevision": "calendar_tables", "CalendarYear": "calendar_tables",
    "DEFAULT_SQLITE_URL": "db", "answers": "db", "inserted_id": "db", "is_postgres": "db",
    "make_engine": "db", "read_tx": "db", "snapshot_tx": "db", "write_tx": "db",
    "EXPORT": "export_tables", "ExportLog": "export_tables",
    "FAILURE": "intake_tables", "IDENTITY": "intake_tables", "IMPORT_BATCH": "intake_tables",
    "LINK": "intake_tables", "RECEIPT": "intake_tables", "SUBJECT": "intake_tables",
    "ImportBatch": "intake_tables", "ItemLink": "intake_tables", "LeadSubject": "intake_tables",
    "ReceiptCode": "intake_tables", "ReceiptFailure": "intake_tables",
    "ReporterIdentity": "intake_tables",
    "worker_id": "leases",
    "PlainRow": "prepared", "Prepared": "prepared",
    "ATTEMPT": "scheduler_tables", "DELIVERY": "scheduler_tables", "DIGEST": "scheduler_tables",
    "HEARTBEAT": "scheduler_tables", "MARK": "scheduler_tables", "NOTE": "scheduler_tables",
    "SCHEDULE": "scheduler_tables", "SWEEP_BUCKETS": "scheduler_tables",
    "DigestMark": "scheduler_tables", "EscalationMark": "scheduler_tables",
    "ItemSchedule": "scheduler_tables", "Notification": "scheduler_tables",
    "SweepHeartbeat": "scheduler_tables", "WebhookAttempt": "scheduler_tables",
    "WebhookDelivery": "scheduler_tables", "bucket_column": "scheduler_tables",
    "SchemaRevision": "revision", "schema_revision": "revision",
    "metadata": "schema", "upgrade": "schema",
    "EXTENSION": "supervision_tables", "NOTICE": "supervision_tables",
    "SUPERVISION_MARK": "supervision_tables", "ExtensionRequest": "supervision_tables",
    "SupervisionMark": "supervision_tables", "SupervisionNotice": "supervision_tables",
    "COUNTER": "tables", "DEF": "tables", "EVENT": "tables", "ITEM": "tables", "JUR": "tables",
    "ROLE_SCOPE": "tables", "UNIT": "tables", "USER": "tables", "AuditEvent": "tables",
    "Item": "tables", "Jurisdiction": "tables", "RefCounter": "tables", "RoleScope": "tables",
    "Unit": "tables", "User": "tables", "WorkflowDefinition": "tables",
    "TLOG_CHECKPOINT": "tlog_tables", "TLOG_COSIGNATURE": "tlog_tables",
    "TLOG_HEAD": "tlog_tables", "TLOG_LEAF": "tlog_tables", "TLOG_NODE": "tlog_tables",
    "TlogCheckpoint": "tlog_tables", "TlogCosignature": "tlog_tables",
    "TlogHead": "tlog_tables", "TlogLeaf": "tlog_tables", "TlogNode": "tlog_tables",
    "PortableJSON": "types", "UTCDateTime": "types", "core_table": "types",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "api_tables":
            import engine.storage.api_tables as module
        elif name == "auth_tables":
            import engine.storage.auth_tables as module
        elif name == "calendar_tables":
            import engine.storage.calendar_tables as module
        elif name == "db":
            import engine.storage.db as module
        elif name == "export_tables":
            import engine.storage.export_tables as module
        elif name == "intake_tables":
            import engine.storage.intake_tables as module
        elif name == "leases":
            import engine.storage.leases as module
        elif name == "prepared":
            import engine.storage.prepared as module
        elif name == "revision":
            import engine.storage.revision as module
        elif name == "scheduler_tables":
            import engine.storage.scheduler_tables as module
        elif name == "schema":
            import engine.storage.schema as module
        elif name == "supervision_tables":
            import engine.storage.supervision_tables as module
        elif name == "tables":
            import engine.storage.tables as module
        elif name == "tlog_tables":
            import engine.storage.tlog_tables as module
        elif name == "types":
            import engine.storage.types as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
