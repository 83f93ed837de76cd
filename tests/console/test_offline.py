"""The scanner in offline.py, which the console page tests rely on."""

from __future__ import annotations

import pytest

from tests.console.offline import (
    ForeignRef,
    foreign_css_references,
    foreign_js_references,
    foreign_references,
    is_foreign,
    referenced_assets,
    scan_html,
)


@pytest.mark.parametrize("url", [
    "https://cdn.example.com/x.js", "http://fonts.googleapis.com/css?family=Roboto",
    "//cdn.example.com/x.js", " HTTPS://CDN.EXAMPLE.COM/x.js", "wss://push.example.com/",
    "https://user@evil.example/x", "http://testserver.evil.example/x",
])
def test_absolute_and_scheme_relative_urls_to_other_hosts_are_foreign(url: str) -> None:
    assert is_foreign(url, allowed_hosts=["testserver"])


@pytest.mark.parametrize("url", [
    "/static/x.js", "static/x.js", "../x.css", "#top", "?page=2", "", "data:image/png;base64,AA",
    "blob:http://testserver/1", "mailto:a@example.com", "javascript:void(0)",
    "http://testserver/static/x.js", "http://TESTSERVER:8000/x", "https://127.0.0.1:8000/x",
])
def test_local_urls_are_not_foreign(url: str) -> None:
    assert not is_foreign(url, allowed_hosts=["testserver", "127.0.0.1"])


def test_every_kind_of_reference_in_html_is_found() -> None:
    html = """<!doctype html><html><head>
    <link rel="stylesheet" href="https://cdn.example/a.css">
    <link rel="preconnect" href="https://fonts.gstatic.example">
    <meta http-equiv="refresh" content="5; url=https://elsewhere.example/">
    <style>@import "https://fonts.example/b.css";
      body{background:url('//img.example/c.png')}</style>
    <script src="https://cdn.example/d.js"></script>
    </head><body>
    <img src="/static/ok.png" srcset="/static/ok2.png 2x, https://img.example/e.png 3x">
    <div style="background-image: url(https://img.example/f.png)"></div>
    <form action="https://forms.example/g"><button formaction="/ok">x</button></form>
    <button hx-get="https://api.example/h">load</button>
    <a href="https://docs.example/i">docs</a>
    <svg><use xlink:href="https://icons.example/j.svg#k"></use></svg>
    <video poster="https://img.example/l.jpg"></video>
    </body></html>"""
    found = foreign_references(html)
    assert found == [
        ForeignRef("https://cdn.example/a.css", "link[href]"),
        ForeignRef("https://fonts.gstatic.example", "link[href]"),
        ForeignRef("https://elsewhere.example/", "meta[refresh]"),
        ForeignRef("https://fonts.example/b.css", "style @import"),
        ForeignRef("//img.example/c.png", "style url()"),
        ForeignRef("https://cdn.example/d.js", "script[src]"),
        ForeignRef("https://img.example/e.png", "img[srcset]"),
        ForeignRef("https://img.example/f.png", "div[style] url()"),
        ForeignRef("https://forms.example/g", "form[action]"),
        ForeignRef("https://api.example/h", "button[hx-get]"),
        ForeignRef("https://docs.example/i", "a[href]"),
        ForeignRef("https://icons.example/j.svg#k", "use[xlink:href]"),
        ForeignRef("https://img.example/l.jpg", "video[poster]"),
    ]


def test_a_local_page_has_no_foreign_references() -> None:
    html = """<link rel="stylesheet" href="/static/a.css"><script src="/static/b.js"></script>
    <a href="http://testserver/x">x</a><img src="data:image/gif;base64,R0lGOD">"""
    assert foreign_references(html, allowed_hosts=["testserver"]) == []


def test_inline_script_style_and_handlers_are_reported() -> None:
    scan = scan_html("""<script>alert(1)</script><script src="/a.js"></script>
    <script src="/b.js">  </script><style>p{color:red}</style>
    <p style="color:red" onclick="go()">x</p>""")
    assert scan.inline_scripts == ["alert(1)"]
    assert scan.inline_styles == ["p{color:red}"]
    assert scan.style_attributes == ["color:red"]
    assert scan.event_handlers == ["p[onclick]"]


def test_css_and_js_scanners() -> None:
    css = """@import url("https://fonts.example/a.css"); @import '/static/b.css';
    .x{background:URL(https://img.example/c.png)} .y{background:url(data:image/png;base64,AA)}"""
    assert foreign_css_references(css) == [
        ForeignRef("https://fonts.example/a.css", "css url()"),
        ForeignRef("https://img.example/c.png", "css url()"),
    ]
    js = """el.innerHTML='<img src="https://img.example/a.png">';
    h("img",{src:"https://cdn.example/b.svg"}); const u=new URL("https://api.example/");
    x.url("https://api.example/"); s='@import url(https://fonts.example/c.css)';
    a.href = "/local"; link({href:`https://docs.example/d`})"""
    assert foreign_js_references(js) == [
        ForeignRef("https://img.example/a.png", "js src"),
        ForeignRef("https://cdn.example/b.svg", "js src"),
        ForeignRef("https://fonts.example/c.css", "js url()"),
        ForeignRef("https://docs.example/d", "js href"),
    ]


def test_referenced_assets_lists_scripts_and_stylesheets_with_integrity() -> None:
    html = """<link rel="stylesheet" href="/a.css" integrity="sha384-A">
    <link rel="icon" href="/f.svg"><link rel="canonical" href="/page">
    <script src="/b.js" integrity="sha384-B"></script><script>inline()</script>"""
    assert referenced_assets(html) == [
        ("link", "/a.css", "sha384-A"), ("link", "/f.svg", None), ("script", "/b.js", "sha384-B"),
    ]
