"""Lease holders: who claimed a row, so a restarted process never mistakes an old lease for
its own."""

from __future__ import annotations

import os
import socket
import uuid


def worker_id() -> str:
    """host:pid:random, so a restarted process never mistakes an old lease for its own."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

