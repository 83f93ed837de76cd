"""The workflow language: the model of a definition and of its declared fields, the YAML loader
and its problems (file, line, fix), the compiled `transitions` machines that only decide, the
policy of what an actor may fire now, and the registry of stored definition versions."""

from engine.workflow.fields import KINDS, Choice, FieldSpec, is_blank
from engine.workflow.loader import (
    ANNOTATION_TRIGGERS,
    SUPERVISION_TRIGGERS,
    SYSTEM_TRIGGERS,
    default_workflows_dir,
    load_dir,
    load_file,
)
from engine.workflow.machines import decide, mermaid
from engine.workflow.model import (
    Condition,
    EscalationDef,
    LightsDef,
    StateDef,
    TransitionDef,
    WorkflowDef,
)
from engine.workflow.policy import all_triggers, available_triggers
from engine.workflow.registry import Registry, registry_from_db, store_definitions
from engine.workflow.report_rules import ReportsDef, SignFor
from engine.workflow.supervision import ExtensionRule, NoticeLevel, SupervisionDef

__all__ = [
    "ANNOTATION_TRIGGERS",
    "KINDS",
    "SUPERVISION_TRIGGERS",
    "SYSTEM_TRIGGERS",
    "Choice",
    "Condition",
    "EscalationDef",
    "ExtensionRule",
    "FieldSpec",
    "LightsDef",
    "NoticeLevel",
    "Registry",
    "ReportsDef",
    "SignFor",
    "StateDef",
    "SupervisionDef",
    "TransitionDef",
    "WorkflowDef",
    "all_triggers",
    "available_triggers",
    "decide",
    "default_workflows_dir",
    "is_blank",
    "load_dir",
    "load_file",
    "mermaid",
    "registry_from_db",
    "store_definitions",
]
