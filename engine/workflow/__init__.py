"""The workflow language: the model of a definition, the YAML loader and its problems (file,
line, fix), the compiled `transitions` machines that only decide, and the registry of
stored definition versions."""

from engine.workflow.loader import (
    ANNOTATION_TRIGGERS,
    SYSTEM_TRIGGERS,
    default_workflows_dir,
    load_dir,
    load_file,
)
from engine.workflow.machines import decide, mermaid
from engine.workflow.model import EscalationDef, FieldSpec, StateDef, TransitionDef, WorkflowDef
from engine.workflow.registry import Registry, registry_from_db, store_definitions

__all__ = [
    "ANNOTATION_TRIGGERS",
    "SYSTEM_TRIGGERS",
    "EscalationDef",
    "FieldSpec",
    "Registry",
    "StateDef",
    "TransitionDef",
    "WorkflowDef",
    "decide",
    "default_workflows_dir",
    "load_dir",
    "load_file",
    "mermaid",
    "registry_from_db",
    "store_definitions",
]
