"""The roles the engine knows. Which role may fire which trigger comes from workflow files."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    handler = "handler"  # 承办人: advances items of their unit / jurisdiction
    office = "office"  # 教育整顿办: coordinates, dispatches, receives escalations
    supervisor = "supervisor"  # read-only auditor, e.g. the provincial guidance group
    client = "client"  # a system such as the reporting platform
    system = "system"  # the scheduler: reminders and escalations


ROLES: frozenset[str] = frozenset(r.value for r in Role)
