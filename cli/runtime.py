"""The runtime a command works with: opened with the admin's calendar overrides loaded, and
its database engine disposed of when the command is done — a connection left to the garbage
collector is never closed cleanly (psycopg warns, the server waits for it)."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.runtime import Runtime
    from engine.settings import Settings


@contextmanager
def command_runtime(settings: Settings) -> Iterator[Runtime]:
    from engine.deadlines import refresh_overrides
    from engine.runtime import open_runtime
    from engine.storage import read_tx

    rt = open_runtime(settings.database_url, settings.workflows_dir,
                      migrate=settings.migrate_on_start)
    try:
        with read_tx(rt.db) as conn:
            refresh_overrides(rt.calendar, conn)  # holidays an admin loaded count here too
        yield rt
    finally:
        rt.db.dispose()


def with_runtime(command: Callable[[argparse.Namespace, Settings, Runtime], int]
                 ) -> Callable[[argparse.Namespace, Settings], int]:
    """A command that takes the runtime, as the entry point calls it (args, settings)."""
    @functools.wraps(command)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        with command_runtime(settings) as rt:
            return command(args, settings, rt)

    return run
