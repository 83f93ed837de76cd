"""Words and numbers as the console shows them: China time, working days left, the warning
light with its word, role names, and engine messages in Chinese.

Labels of states, triggers, fields and vocabularies come from the workflow files; only the
words that no workflow declares (roles, the light, generic messages) live here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.deadlines import CHINA_TZ, WorkCalendar
from engine.items import light_rule, light_word
from engine.runtime import Runtime

ROLE_LABELS = {
    "office": "教育整顿办", "handler": "承办人", "supervisor": "督导", "admin": "管理员",
    "client": "接入系统", "system": "系统",
}

# Engine messages (InvalidData.fields values and password rules) in Chinese; anything not
# listed is shown as the engine said it.
MESSAGES = {
    "is required": "必填",
    "must be a string": "须为文字",
    "must be an integer": "须为整数",
    "must be the id of another item": "须为另一条事项",
    "must be true or false": "须为是或否",
    "unknown unit": "单位不存在或不在您的辖区内",
    "unknown user": "人员不存在或不在您的辖区内",
    "unknown item": "事项不存在或不在您的辖区内",
    "unknown jurisdiction": "辖区不存在或不在您的辖区内",
    "is wrong": "当前密码不正确",
    "must not be the login name": "不能与登录名相同",
    "must not be blank": "不能为空白",
    "must differ from the current password": "须与当前密码不同",
    "not accepted by this trigger": "此操作不接受该字段",
    "invalid": "无效",
}


def message(text: str) -> str:
    if text in MESSAGES:
        return MESSAGES[text]
    if text.startswith("must be at least ") and text.endswith(" characters"):
        return f"至少 {text.split()[4]} 个字符"
    if text.startswith("must be at most ") and text.endswith(" characters"):
        return f"至多 {text.split()[4]} 个字符"
    if text.startswith("must be one of"):
        return "请从列表中选择"
    if text.startswith("needs "):
        return f"条件不满足：{text.removeprefix('needs ')}"
    return text


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def cn_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def cn_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d")


def china_day(value: datetime) -> date:
    return value.astimezone(CHINA_TZ).date()


def day_start(day: date) -> datetime:
    """00:00 China time of `day`, as an aware datetime."""
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def next_working_day(calendar: WorkCalendar, day: date) -> date:
    day += timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True, kw_only=True)
class Remaining:
    """Working days left on a deadline, with the light of `engine.items.lights` (the one
    rule: 绿, 黄 at or past the yellow point, 红 overdue). `light` is None when no deadline
    runs (closed, paused)."""

    days: int | None
    overdue: bool
    light: str | None  # green | yellow | red
    word: str  # 绿 / 黄 / 红 / —
    text: str  # 剩 3 个工作日 / 今日到期 / 超期 2 个工作日 / 不计时


def remaining(rt: Runtime, now: datetime, row: Any) -> Remaining:
    """Of an item row (workflow, workflow_version, due_at, remind_at, closed_at)."""
    calendar, due_at, closed = rt.calendar, row.due_at, row.closed_at is not None
    light = light_rule(rt.registry.all(), now, calendar).of_row(row)
    if due_at is None or closed or light is None:
        return Remaining(days=None, overdue=False, light=None, word="—",
                         text="已办结" if closed else "不计时")
    today, due_day = china_day(now), china_day(due_at)
    if light == "red":
        late = working_days_between(calendar, due_day, today)
        return Remaining(days=-late, overdue=True, light=light, word=light_word(light),
                         text=f"超期 {late} 个工作日" if late else "今日超期")
    left = working_days_between(calendar, today, due_day)
    return Remaining(days=left, overdue=False, light=light, word=light_word(light),
                     text=f"剩 {left} 个工作日" if left else "今日到期")


def escalation_label(level: int) -> str:
    return "—" if not level else f"{level} 级"
