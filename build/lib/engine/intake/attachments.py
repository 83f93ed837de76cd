"""Attachments' metadata (name, size, SHA-256) as a lead or a follow-up records it; the
files themselves are not stored here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_ATTACHMENTS = 50
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, kw_only=True)
class Attachment:
    name: str
    size: int
    sha256: str

    def as_data(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


def parse_attachments(raw: Any, problems: dict[str, str]) -> tuple[Attachment, ...]:
    """Valid attachments of `raw`; each problem is added to `problems` by its path."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_ATTACHMENTS:
        problems["attachments"] = f"must be a list of at most {MAX_ATTACHMENTS} entries"
        return ()
    out = []
    for i, a in enumerate(raw):
        where = f"attachments[{i}]"
        if not isinstance(a, dict):
            problems[where] = "must be an object with name, size and sha256"
            continue
        name, size, digest = a.get("name"), a.get("size"), a.get("sha256")
        ok = True
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            problems[f"{where}.name"] = "is required (at most 255 characters)"
            ok = False
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            problems[f"{where}.size"] = "must be a whole number of bytes"
            ok = False
        if not isinstance(digest, str) or not SHA256_HEX.match(digest.lower()):
            problems[f"{where}.sha256"] = "must be 64 hexadecimal characters"
            ok = False
        if ok:
            out.append(Attachment(name=str(name).strip(), size=int(str(size)),
                                  sha256=str(digest).lower()))
    return tuple(out)
