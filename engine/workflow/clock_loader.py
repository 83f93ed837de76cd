"""The clock's declarations beyond deadlines and reminders: where the warning light turns
yellow (`lights:`) and the periodic review of a paused state (`review:`). Kept apart from
`loader` so each declaration is checked in one small place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.kernel import Duration
from engine.workflow.model import LightsDef, StateDef
from engine.workflow.problems import ProblemCollector

DurationParser = Callable[[Any, str, ProblemCollector], Duration | None]


def parse_lights(raw: Any, duration: DurationParser, c: ProblemCollector) -> LightsDef:
    """`lights: {yellow: {before: {working_days: 3}}}`; left out: yellow at the reminder."""
    if raw is None:
        return LightsDef()
    if not isinstance(raw, Mapping) or set(raw) != {"yellow"} or not isinstance(
            raw["yellow"], Mapping) or set(raw["yellow"]) != {"before"}:
        c.add("lights", f"lights must be `{{yellow: {{before: DURATION}}}}`, got {raw!r}",
              "write `lights: {yellow: {before: {working_days: 3}}}`, or leave it out to "
              "turn yellow at each state's reminder point")
        return LightsDef()
    return LightsDef(yellow_before=duration(raw["yellow"]["before"], "lights.yellow.before",
                                            c))


def check_lights(lights: LightsDef, states: Mapping[str, StateDef],
                 c: ProblemCollector) -> None:
    """A declared yellow point needs a deadline it can come before."""
    if lights.yellow_before is not None and not any(s.deadline for s in states.values()):
        c.add("lights.yellow", "no state has a deadline, so no light can turn yellow",
              "add a `deadline:` to a state or remove `lights:`")


def parse_review(spec: Mapping[str, Any], path: str, duration: DurationParser,
                 c: ProblemCollector) -> Duration | None:
    """`review: {every: DURATION}` on a `pauses_clock` state."""
    if "review" not in spec:
        return None
    raw = spec["review"]
    if not isinstance(raw, Mapping) or set(raw) != {"every"}:
        c.add(f"{path}.review", f"review must be `{{every: DURATION}}`, got {raw!r}",
              "write `review: {every: {working_days: 20}}`")
        return None
    if not spec.get("pauses_clock"):
        c.add(f"{path}.review", "only a state that pauses the clock is reviewed periodically "
              "(a running deadline has its reminder)", "add `pauses_clock: true` or use "
              "`reminder:`")
        return None
    return duration(raw["every"], f"{path}.review.every", c)
