"""The China calendar remembers where a count of working days lands: the answer is the one
counting day by day gives, also after overrides are replaced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.deadlines.calendar import ChinaCalendar, step_working_days

STARTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31),
                      timezones=st.just(UTC))
DAYS = st.one_of(st.integers(0, 40).map(float), st.floats(0, 40, allow_nan=False))
CAL = ChinaCalendar()


@settings(max_examples=300, deadline=None)
@given(start=STARTS, days=DAYS, direction=st.sampled_from([1, -1]))
def test_remembered_shift_is_the_day_by_day_count(start: datetime, days: float,
                                                  direction: int) -> None:
    stepped = step_working_days(CAL.is_working_day, start, days, direction)
    shifted = (CAL.add_working_days(start, days) if direction == 1
               else CAL.subtract_working_days(start, days))
    assert shifted == stepped
    again = (CAL.add_working_days(start, days) if direction == 1
             else CAL.subtract_working_days(start, days))
    assert again == stepped  # from the memo


def test_replaced_overrides_forget_the_remembered_shifts() -> None:
    cal = ChinaCalendar()
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday
    before = cal.add_working_days(start, 1)
    cal.replace_overrides({date(2026, 3, 3): False})  # Tuesday off
    assert cal.add_working_days(start, 1) == before + timedelta(days=1)
