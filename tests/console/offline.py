"""Find references to other hosts in HTML, CSS and JavaScript.

The console and the API docs must work on an office intranet with no route to the internet,
so no page may make the browser load anything from another host. `foreign_references(html)`
returns every such reference in a page; `foreign_css_references` and
`foreign_js_references` do the same for a stylesheet or a script the page loads. Console page
tests import these:

    from tests.console.offline import foreign_references
    assert foreign_references(response.text) == []

A reference is "foreign" when it is absolute (`https://…`, `http://…`) or scheme-relative
(`//host/…`) and names a host other than the allowed ones (by default none: a page should use
root-relative URLs such as `/static/…`). `data:` and `blob:` URLs, fragments and relative
paths are local. Links the user may follow (`<a href>`) count too: on an intranet they lead
nowhere, and a test that wants to allow one can filter on `ForeignRef.where`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Attributes whose value is a URL (or, for srcset, a list of them) the browser may load or
# navigate to.
URL_ATTRIBUTES = frozenset({
    "src", "href", "action", "formaction", "poster", "data", "background", "cite",
    "manifest", "ping", "xlink:href", "codebase", "longdesc", "icon", "archive",
    "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete",
})
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})

_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>[^"')\s]*)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?P<q>["'])(?P<url>[^"']*)""", re.IGNORECASE)
# In a script: an HTML or CSS snippet inside a string (`<img src="https://…">`,
# `url(https://…)`, `@import "https://…"`), or a JSX / DOM-property style `src: "https://…"`.
_JS_ATTR = re.compile(
    r"""\b(?P<attr>src|href|srcset)\s*[=:]\s*\\?(?P<q>["'`])(?P<url>(?:https?:)?//[^"'`\\\s]*)""",
    re.IGNORECASE)
# CSS inside a script string: lower-case `url(` not preceded by a name character, so that
# `new URL("https://…")` and `x.url(…)` (JavaScript, not a fetch by the browser) do not count.
_JS_CSS_URL = re.compile(r"""(?<![\w$.])url\(\s*(?P<q>["']?)(?P<url>[^"')\s]*)""")
_ABSOLUTE = re.compile(r"^\s*(?:(?P<scheme>[a-z][a-z0-9+.-]*):)?//", re.IGNORECASE)
_META_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?(?P<url>[^'\"\s;]+)", re.IGNORECASE)


@dataclass(frozen=True)
class ForeignRef:
    """`url` found in `where`: e.g. `script[src]`, `a[href]`, `css url()`, `@import`,
    `style[style] url()`, `js src:`."""

    url: str
    where: str


def is_foreign(url: str, allowed_hosts: Iterable[str] = ()) -> bool:
    """Whether loading `url` from a page would contact a host not in `allowed_hosts`
    (compared case-insensitively, with or without a port: `testserver`, `127.0.0.1:8000`)."""
    match = _ABSOLUTE.match(url)
    if not match:
        return False  # relative, root-relative, fragment, data:, blob:, javascript:, mailto:…
    scheme = (match.group("scheme") or "").lower()
    if scheme not in ("", "http", "https", "ws", "wss", "ftp"):
        return False
    netloc = urlsplit(url.strip()).netloc.lower()
    host = netloc.rsplit("@", 1)[-1]
    allowed = {h.lower() for h in allowed_hosts}
    return not (host in allowed or host.split(":", 1)[0] in allowed)


def foreign_css_references(css: str, allowed_hosts: Iterable[str] = (),
                           where: str = "css") -> list[ForeignRef]:
    """`url(…)` and `@import "…"` in a stylesheet (or a style attribute / `<style>` body)
    that point at another host."""
    found = [(m.start(), ForeignRef(m.group("url"), f"{where} url()"))
             for m in _CSS_URL.finditer(css)]
    found += [(m.start(), ForeignRef(m.group("url"), f"{where} @import"))
              for m in _CSS_IMPORT.finditer(css)]
    return _in_order(found, allowed_hosts)


def foreign_js_references(js: str, allowed_hosts: Iterable[str] = ()) -> list[ForeignRef]:
    """In a script: HTML/CSS snippets and `src:`/`href:` properties naming another host.
    This is a textual heuristic (a URL built at run time is invisible to it); the browser
    test, which records every request, is the real check."""
    found = [(m.start(), ForeignRef(m.group("url"), f"js {m.group('attr').lower()}"))
             for m in _JS_ATTR.finditer(js)]
    found += [(m.start(), ForeignRef(m.group("url"), "js url()"))
              for m in _JS_CSS_URL.finditer(js)]
    found += [(m.start(), ForeignRef(m.group("url"), "js @import"))
              for m in _CSS_IMPORT.finditer(js)]
    return _in_order(found, allowed_hosts)


def _in_order(found: list[tuple[int, ForeignRef]],
              allowed_hosts: Iterable[str]) -> list[ForeignRef]:
    """The foreign ones of `found` (position, reference), in the order of the text.
    (`@import url(…)` is reported once, as url(): the @import pattern wants a quote.)"""
    allowed = tuple(allowed_hosts)
    return [ref for _, ref in sorted(found, key=lambda item: item[0])
            if is_foreign(ref.url, allowed)]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[ForeignRef] = []
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self.style_attributes: list[str] = []
        self.event_handlers: list[str] = []
        self._in: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name in URL_ATTRIBUTES:
                self.refs.append(ForeignRef(value.strip(), f"{tag}[{name}]"))
            elif name in SRCSET_ATTRIBUTES:
                for candidate in value.split(","):
                    if candidate.strip():
                        self.refs.append(ForeignRef(candidate.split()[0], f"{tag}[{name}]"))
            elif name == "style":
                self.style_attributes.append(value)
                self.refs += foreign_css_references(value, (), where=f"{tag}[style]")
            elif name.startswith("on"):
                self.event_handlers.append(f"{tag}[{name}]")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = _META_REFRESH_URL.search(values.get("content", ""))
            if match:
                self.refs.append(ForeignRef(match.group("url"), "meta[refresh]"))
        if tag in ("script", "style"):
            self._in = tag
            self._buffer = []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            body = "".join(self._buffer)
            if body.strip():
                (self.inline_scripts if tag == "script" else self.inline_styles).append(body)
            if tag == "style":
                self.refs += foreign_css_references(body, (), where="style")
            self._in = None


@dataclass(frozen=True)
class PageScan:
    """What a page contains that matters offline and under a strict CSP."""

    foreign: list[ForeignRef]
    inline_scripts: list[str]  # bodies of <script> elements (a src-only script has none)
    inline_styles: list[str]  # bodies of <style> elements
    style_attributes: list[str]  # values of style="" attributes
    event_handlers: list[str]  # onclick=… and friends, as `tag[attr]`


def scan_html(html: str, allowed_hosts: Iterable[str] = ()) -> PageScan:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    allowed = tuple(allowed_hosts)
    return PageScan(
        foreign=[ref for ref in collector.refs if is_foreign(ref.url, allowed)],
        inline_scripts=collector.inline_scripts,
        inline_styles=collector.inline_styles,
        style_attributes=collector.style_attributes,
        event_handlers=collector.event_handlers,
    )


def foreign_references(html: str, allowed_hosts: Iterable[str] = ()) -> list[ForeignRef]:
    """Every reference in `html` to a host not in `allowed_hosts`: URL attributes (`src`,
    `href`, `srcset`, `action`, htmx `hx-get`…), `<meta http-equiv=refresh>`, and `url()` /
    `@import` in `<style>` bodies and `style=""` attributes."""
    return scan_html(html, allowed_hosts).foreign


def referenced_assets(html: str) -> list[tuple[str, str, str | None]]:
    """(tag, url, integrity) for each `<script src>` and `<link rel=stylesheet|modulepreload|
    preload href>` of a page, in document order: what the browser will fetch first."""

    class Assets(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[tuple[str, str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "script" and values.get("src"):
                self.found.append(("script", values["src"] or "", values.get("integrity")))
            rel = (values.get("rel") or "").lower().split()
            if tag == "link" and values.get("href") and (
                    {"stylesheet", "preload", "modulepreload", "icon"} & set(rel)):
                self.found.append(("link", values["href"] or "", values.get("integrity")))

    parser = Assets()
    parser.feed(html)
    parser.close()
    return parser.found
