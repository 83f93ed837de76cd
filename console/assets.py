"""The console's static files and their Subresource Integrity hashes.

Third-party files are vendored under static/vendor/, byte-identical to their npm packages, and
listed in static/vendor/assets.lock.json with their SHA-384 (tests/console/test_assets.py
keeps the two in step). Templates refer to a vendored file by package and file name
(`vendored("htmx.org/htmx.min.js")`), so a version bump only touches the lock file."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
LOCK_FILE = VENDOR_DIR / "assets.lock.json"
STATIC_URL = "/static"  # where console.apidocs.mount_static mounts STATIC_DIR
STATIC_ROUTE_NAME = "static"


def sri(data: bytes) -> str:
    """The SRI form of the SHA-384 of `data`: `sha384-<base64>`."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


@dataclass(frozen=True)
class StaticAsset:
    """A file under static/ (`path` is relative to it, with forward slashes)."""

    path: str
    integrity: str

    def url(self, root_path: str = "") -> str:
        """Root-relative URL; `root_path` is the ASGI root path when served under a prefix."""
        return f"{root_path}{STATIC_URL}/{self.path}"


@functools.cache
def lock() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(LOCK_FILE.read_text(encoding="utf-8"))
    return data


@functools.cache
def _vendored_by_key() -> dict[str, StaticAsset]:
    found: dict[str, StaticAsset] = {}
    for entry in lock()["assets"]:
        key = f"{entry['package']}/{PurePosixPath(entry['path']).name}"
        found[key] = StaticAsset(f"vendor/{entry['path']}", entry["integrity"])
    return found


def vendored(key: str) -> StaticAsset:
    """A vendored file by `<npm package>/<file name>`, e.g. `swagger-ui-dist/swagger-ui.css`;
    its integrity is the one recorded in the lock file."""
    try:
        return _vendored_by_key()[key]
    except KeyError:
        raise KeyError(f"{key!r} is not in {LOCK_FILE.name}; have {sorted(_vendored_by_key())}") \
            from None


@functools.cache
def own(path: str) -> StaticAsset:
    """One of the console's own files under static/ (`js/swagger-init.js`); its integrity is
    computed from the file, once per process."""
    file = (STATIC_DIR / path).resolve()
    if not file.is_relative_to(STATIC_DIR) or not file.is_file():
        raise FileNotFoundError(f"no static file {path!r} in {STATIC_DIR}")
    return StaticAsset(path, sri(file.read_bytes()))
