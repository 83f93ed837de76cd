"""Compile a definition into one shared `transitions` Machine that only decides.

The machine never owns side effects: it has no model (`model=None`), no auto `to_<state>`
triggers, and events are fired on a throw-away `Token` carrying state and data."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from transitions import Machine, MachineError

from engine.workflow.model import Condition, WorkflowDef


class Token:
    """The plain object the machine moves; never an ORM row."""

    __slots__ = ("data", "state")

    def __init__(self, state: str, data: Mapping[str, Any]) -> None:
        self.state = state
        self.data = data


def _condition(cond: Condition) -> Any:
    def check(event: Any) -> bool:
        return cond.holds(event.model.data)

    check.__name__ = f"cond_{cond.field}_{cond.op}"
    return check


def compile_machine(wf: WorkflowDef) -> Machine:
    machine = Machine(model=None, states=list(wf.states), initial=wf.initial_state,
                      auto_transitions=False, send_event=True, ignore_invalid_triggers=False)
    for t in wf.transitions:
        machine.add_transition(t.trigger, list(t.sources), t.dest,
                               conditions=[_condition(c) for c in t.conditions])
    return machine


def decide(machine: Machine, state: str, trigger: str, data: Mapping[str, Any]) -> str | None:
    """The state `trigger` leads to from `state` given `data`, or None when a condition fails.
    Raises KeyError/MachineError when the trigger does not exist from `state`."""
    token = Token(state, data)
    try:
        moved = machine.events[trigger].trigger(token)
    except MachineError:
        raise
    return token.state if moved else None


def mermaid(wf: WorkflowDef) -> str:
    """A Mermaid stateDiagram of the definition (transitions' GraphMachine, no graphviz)."""
    from transitions.extensions import GraphMachine

    class _Model:  # GraphMachine draws the graph of a model; this one is never fired
        pass

    machine = GraphMachine(model=_Model(), states=list(wf.states), initial=wf.initial_state,
                           auto_transitions=False, graph_engine="mermaid",
                           title=f"{wf.title} ({wf.name} v{wf.version})")
    for t in wf.transitions:
        machine.add_transition(t.trigger, list(t.sources), t.dest)
    drawn: str = machine.get_graph().draw(None)
    # transitions writes the title as a bare front-matter line, which Mermaid ignores, and
    # paints the initial state as "active"; a definition has no current state.
    title = json.dumps(f"{wf.title} ({wf.name} v{wf.version})", ensure_ascii=False)
    drawn = re.sub(r"\A---\n.*?\n---\n", f"---\ntitle: {title}\n---\n", drawn, flags=re.S)
    drawn = drawn.replace(f"Class {wf.initial_state} s_active\n",
                          f"Class {wf.initial_state} s_default\n")
    for st in wf.states.values():  # show the Chinese label beside each state's name
        shown = f"{st.name} {st.label}".strip() + (" (clock paused)" if st.pauses_clock else "")
        drawn = drawn.replace(f'state "{st.name}" as {st.name}\n',
                              f'state "{shown}" as {st.name}\n')
    finals = "".join(f"  {s.name} --> [*]\n" for s in wf.states.values() if s.final)
    return drawn.rstrip("\n") + "\n" + finals
