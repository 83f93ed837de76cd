"""The workflow language: the model of a definition and of its declared fields, the YAML loader
and its problems (file, line, fix), the compiled `transitions` machines that only decide, the
policy of what an actor may fire now, and the registry of stored definition versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.workflow.fields import KINDS, Choice, FieldSpec, is_blank
    from engine.workflow.loader import (
        ANNOTATION_TRIGGERS,
        SUPERVISION_TRIGGERS,
        SYSTEM_TRIGGERS,
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
    from engine.workflow.paths import default_workflows_dir
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

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "KINDS": "fields", "Choice": "fields", "FieldSpec": "fields", "is_blank": "fields",
    "ANNOTATION_TRIGGERS": "loader", "SUPERVISION_TRIGGERS": "loader",
    "SYSTEM_TRIGGERS": "loader", "load_dir": "loader", "load_file": "loader",
    "default_workflows_dir": "paths",
    "decide": "machines", "mermaid": "machines",
    "Condition": "model", "EscalationDef": "model", "LightsDef": "model", "StateDef": "model",
    "TransitionDef": "model", "WorkflowDef": "model",
    "all_triggers": "policy", "available_triggers": "policy",
    "Registry": "registry", "registry_from_db": "registry", "store_definitions": "registry",
    "ExtensionRule": "supervision", "NoticeLevel": "supervision",
    "SupervisionDef": "supervision",
    "ReportsDef": "report_rules", "SignFor": "report_rules",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "fields":
            import engine.workflow.fields as module
        elif name == "loader":
            import engine.workflow.loader as module
        elif name == "machines":
            import engine.workflow.machines as module
        elif name == "model":
            import engine.workflow.model as module
        elif name == "paths":
            import engine.workflow.paths as module
        elif name == "policy":
            import engine.workflow.policy as module
        elif name == "registry":
            import engine.workflow.registry as module
        elif name == "supervision":
            import engine.workflow.supervision as module
        elif name == "report_rules":
            import engine.workflow.report_rules as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
