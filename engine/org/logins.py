"""Login names: what a person types to sign in to the console, and what the CLI accepts
wherever it names a user (`--as city-office` as well as `--as 3`).

A login is lower-case ASCII (letters, digits, `.`, `_`, `-`), so it reads the same on every
keyboard and input method; the display name (`name`) stays Chinese."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select

from engine.errors import NotFound, OrgError
from engine.storage import USER

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def normalise_login(login: str) -> str:
    return login.strip().lower()


def check_login(login: str) -> str:
    """The login normalised, or OrgError saying what a login may contain."""
    norm = normalise_login(login)
    if not LOGIN.match(norm):
        raise OrgError(f"login {login!r} must be 2 to 64 characters: lower-case letters, "
                       "digits, '.', '_' or '-', starting with a letter or digit")
    return norm


def user_by_login(conn: Connection, login: str) -> Any:
    """The user row with this login (active or not); NotFound when there is none."""
    row = conn.execute(select(USER).where(USER.c.login == normalise_login(login))).first()
    if row is None:
        raise NotFound(f"no user with login {login!r}")
    return row


def resolve_user(conn: Connection, ref: str | int) -> Any:
    """A user named by login or by numeric id (the CLI accepts both)."""
    text = str(ref).strip()
    if text.isdigit():
        row = conn.execute(select(USER).where(USER.c.id == int(text))).first()
        if row is None:
            raise NotFound(f"no user with id {text}")
        return row
    return user_by_login(conn, text)
