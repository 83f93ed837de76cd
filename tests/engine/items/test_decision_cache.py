"""`transitions` decides every move; `apply` remembers its answer per (state, trigger,
outcome of each condition that may decide it). For every state and trigger of the shipped
workflows and any stored data, the remembered answer is the Machine's."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transitions import MachineError

from engine.items.transition import _decided
from engine.runtime import Runtime
from engine.workflow import decide

VALUES = st.one_of(st.none(), st.just(""), st.sampled_from(
    ["violation", "law_enforcement", "letter", "unfounded", "x"]), st.integers(0, 3))


def test_the_remembered_decision_is_the_machines(rt: Runtime) -> None:
    wfs = [rt.registry.latest("lead"), rt.registry.latest("rectification")]
    fields = sorted({c.field for wf in wfs for t in wf.transitions for c in t.conditions})
    cases = [(wf, state, t.trigger) for wf in wfs for t in wf.transitions
             for state in t.sources]

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(case=st.sampled_from(cases),
           data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUES)))
    def check(case: tuple[Any, str, str], data: dict[str, Any]) -> None:
        wf, state, trigger = case
        machine = rt.registry.machine(wf.name, wf.version)
        try:
            expected = decide(machine, state, trigger, data)
        except MachineError:
            return
        assert _decided(rt, wf, state, trigger, data) == expected
        assert _decided(rt, wf, state, trigger, data) == expected  # remembered

    check()
