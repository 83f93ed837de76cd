"""console/static/vendor/assets.lock.json against the vendored files: every hash recomputed,
every file listed, every licence file present."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from console.assets import LOCK_FILE, STATIC_DIR, VENDOR_DIR, lock, own, sri, vendored
from tests.console.offline import ForeignRef, foreign_css_references, foreign_js_references

# Files in vendor/ that are ours, not vendored.
NOT_VENDORED = {"assets.lock.json", "README.md", ".gitattributes"}
SPDX = {"0BSD", "Apache-2.0", "MIT"}
# References to other hosts that the vendored bundles do contain. Each is harmless as
# served; the browser test (test_docs_browser.py) checks that none is ever requested.
KNOWN_FOREIGN: dict[str, set[ForeignRef]] = {
    "redoc-2.5.4/redoc.standalone.js": {
        # The Redocly logo in ReDoc's side menu; static/js/redoc-init.js keeps it from loading.
        ForeignRef("https://cdn.redoc.ly/redoc/logo-mini.svg", "js src"),
        # The link "API docs by Redocly" under it: a link, not a load.
        ForeignRef("https://redocly.com/redoc/", "js href"),
    },
}


def entries() -> list[dict[str, Any]]:
    return [*lock()["assets"], *lock()["legal"]]


def test_the_lock_file_lists_assets_and_legal_files() -> None:
    assert lock()["lock_version"] == 1
    assert lock()["assets"]
    assert lock()["legal"]
    paths = [entry["path"] for entry in entries()]
    assert len(paths) == len(set(paths)), "a file is listed twice"


@pytest.mark.parametrize("entry", entries(), ids=lambda entry: entry["path"])
def test_each_listed_file_has_the_recorded_sha384(entry: dict[str, Any]) -> None:
    file = VENDOR_DIR / entry["path"]
    assert file.is_file(), f"{entry['path']} is in {LOCK_FILE.name} but not in {VENDOR_DIR}"
    actual = sri(file.read_bytes())
    assert actual == entry["integrity"], (
        f"{entry['path']}: lock file says {entry['integrity']}, the file has {actual}")


@pytest.mark.parametrize("entry", entries(), ids=lambda entry: entry["path"])
def test_each_entry_names_its_package_version_and_source(entry: dict[str, Any]) -> None:
    name, version = entry["package"], entry["version"]
    assert PurePosixPath(entry["path"]).parts[0] == f"{name}-{version}"
    assert entry["source"]["package"] == f"{name}@{version}"
    source_path = PurePosixPath(entry["source"]["path"])
    assert source_path.parts[0] == "package"  # where npm pack puts a package's files
    assert source_path.name == PurePosixPath(entry["path"]).name
    assert entry["source"]["tarball_integrity"].startswith("sha512-")


def test_every_vendored_file_is_listed() -> None:
    on_disk = {path.relative_to(VENDOR_DIR).as_posix()
               for path in VENDOR_DIR.rglob("*") if path.is_file()} - NOT_VENDORED
    listed = {entry["path"] for entry in entries()}
    assert on_disk - listed == set(), "vendored but not in the lock file"
    assert listed - on_disk == set(), "in the lock file but missing"


@pytest.mark.parametrize("asset", lock()["assets"], ids=lambda entry: entry["path"])
def test_each_asset_has_its_licence_and_notices_beside_it(asset: dict[str, Any]) -> None:
    assert asset["license"] in SPDX
    legal = {entry["path"]: entry for entry in lock()["legal"]}
    directory = PurePosixPath(asset["path"]).parent
    for path in [asset["license_file"], *asset["notices"]]:
        assert (VENDOR_DIR / path).is_file(), f"{path} is missing"
        assert path in legal, f"{path} is not listed under legal"
        assert PurePosixPath(path).parent == directory
        assert legal[path]["package"] == asset["package"]
        assert legal[path]["version"] == asset["version"]
    assert legal[asset["license_file"]]["kind"] == "license"
    if asset["license"] == "Apache-2.0":  # Apache-2.0 section 4(d): NOTICE travels along
        assert any(legal[path]["kind"] == "notice" for path in asset["notices"])


def test_the_licence_files_name_their_licence() -> None:
    words = {"0BSD": "Zero-Clause BSD", "Apache-2.0": "Apache License", "MIT": "MIT License"}
    for asset in lock()["assets"]:
        text = (VENDOR_DIR / asset["license_file"]).read_text(encoding="utf-8")
        assert words[asset["license"]] in text, asset["license_file"]


def test_vendored_keys_resolve_to_the_locked_files() -> None:
    bundle = vendored("swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.path == "vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js"
    assert bundle.url() == "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js"
    assert bundle.url("/leadflow") == \
        "/leadflow/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js"
    assert vendored("htmx.org/htmx.min.js").integrity == sri(
        (VENDOR_DIR / "htmx.org-2.0.11" / "htmx.min.js").read_bytes())
    with pytest.raises(KeyError, match=r"htmx\.org/htmx\.min\.js"):
        vendored("htmx.org/htmx.js")


def test_own_files_get_their_hash_from_the_file() -> None:
    init = own("js/swagger-init.js")
    assert init.integrity == sri((STATIC_DIR / "js" / "swagger-init.js").read_bytes())
    with pytest.raises(FileNotFoundError):
        own("../apidocs.py")
    with pytest.raises(FileNotFoundError):
        own("js/missing.js")


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*")
                   if p.suffix in (".js", ".css")))
def test_no_static_script_or_stylesheet_loads_from_another_host(path: str) -> None:
    text = Path(STATIC_DIR, path).read_text(encoding="utf-8")
    found = set(foreign_css_references(text) if path.endswith(".css")
                else foreign_js_references(text))
    known = KNOWN_FOREIGN.get(PurePosixPath(path).relative_to("vendor").as_posix()
                              if path.startswith("vendor/") else path, set())
    assert found == known
