"""The workflow page through the app: the state diagram as server-made SVG (a box per state
in rows by distance from the initial state, edges labelled with the Chinese trigger labels,
closed / final / clock-pausing states marked with words and a border of their own), the
table of transitions with roles and fields, links from the item page and the navigation."""

from __future__ import annotations

from console.diagram import BOX_H, BOX_W, layout, overlap
from engine.workflow import default_workflows_dir, load_dir
from tests.console.pages import (
    DC_HANDLER,
    Console,
    assert_offline_clean,
    doc,
    new_lead,
    text,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_the_lead_workflow_is_drawn_with_labelled_edges_and_marked_states(
        console_sqlite: Console) -> None:
    client = console_sqlite.signed_in(DC_HANDLER)
    r = client.get("/workflows/lead")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    page = doc(r)
    boxes = {g.get("data-state"): g for g in page.xpath("//svg//g[contains(@class, 'state')]")}
    assert set(boxes) == {"received", "returned", "transferred", "investigating", "suspended",
                          "parked", "closed", "to_discipline", "merged"}

    def words(state: str) -> str:
        return " ".join(boxes[state].text_content().split())

    assert words("received") == "受理 （起始）"
    assert words("closed") == "办结 （办结）"
    assert words("merged") == "已并案 （终结）"
    assert words("returned") == "退回补充 （暂停计时）"
    assert "closed" in boxes["closed"].get("class").split()
    assert "final" in boxes["merged"].get("class").split()
    assert "paused" in boxes["suspended"].get("class").split()

    def row(state: str) -> float:
        return float(boxes[state].xpath("./*[local-name()='rect']")[-1].get("y"))

    # rows by distance from 受理: 已移交 one step, 核查中 two, 办结 three
    assert row("received") < row("transferred") < row("investigating") < row("closed")
    edges = {(g.get("data-from"), g.get("data-to")): " ".join(g.text_content().split())
             for g in page.xpath("//svg//g[@class='edge']")}
    assert edges[("received", "transferred")] == "移交"
    assert edges[("investigating", "closed")] == "办结"
    assert edges[("closed", "investigating")] == "重新核查"
    assert "移送纪检监察" in edges[("investigating", "to_discipline")]
    close = page.xpath("//table[contains(@class, 'transitions')]//tr[@data-trigger='close']")[0]
    cells = [" ".join(td.text_content().split()) for td in close.xpath("td")]
    assert cells == ["办结", "核查中 → 办结", "承办人、教育整顿办",
                     "核查结论（必填）、核查情况（必填）、处置方式（必填）"]
    transfer = page.xpath("//tr[@data-trigger='transfer']/td")[3].text_content()
    assert "承办单位（必填）" in transfer
    assert "承办人（选填）" in transfer


def test_unknown_workflows_and_versions_are_404_and_signed_out_goes_to_sign_in(
        console_sqlite: Console) -> None:
    client = console_sqlite.signed_in(DC_HANDLER)
    assert client.get("/workflows/nope").status_code == 404
    assert client.get("/workflows/lead?version=99").status_code == 404
    assert client.get("/workflows/lead?version=x").status_code == 404
    assert client.get("/workflows/lead?version=4").status_code == 200
    r = console_sqlite.client().get("/workflows/lead")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


def test_the_item_page_and_the_navigation_link_to_the_workflow(console_sqlite: Console) -> None:
    item = new_lead(console_sqlite.rt)
    from tests.console.pages import CITY_OFFICE

    client = console_sqlite.signed_in(CITY_OFFICE)
    page = doc(client.get(f"/items/{item}"))
    assert page.xpath("//a[starts-with(@href, '/workflows/lead?version=')]")
    assert "流程" in text(page, "//nav//a")
    listing = doc(client.get("/workflows"))
    assert listing.xpath("//a[@href='/workflows/lead']")
    assert listing.xpath("//a[@href='/workflows/rectification']")


def test_no_edge_label_covers_another_or_a_state() -> None:
    """Labels of edges fanning out of one box used to stack on each other (9 pairs in the
    lead diagram); each now takes the first free point along its edge."""
    for wf in load_dir(default_workflows_dir()):
        d = layout(wf)
        labels = [e.label_rect for e in d.edges]
        states = [(b.x, b.y, b.x + BOX_W, b.y + BOX_H) for b in d.boxes]
        assert not [(d.edges[i].label, d.edges[j].label) for i in range(len(labels))
                    for j in range(i + 1, len(labels)) if overlap(labels[i], labels[j])]
        assert not [(e.label, b.name) for e in d.edges for b, r in zip(d.boxes, states,
                                                                       strict=True)
                    if overlap(e.label_rect, r)]
        for e in d.edges:  # on the canvas, and next to its own edge
            left, top, right, bottom = e.label_rect
            assert left >= 0
            assert right <= d.width
            assert top >= 0
            assert bottom <= d.height
            assert min(abs(e.at(t / 20)[1] - (top + bottom) / 2) for t in range(21)) < 12
