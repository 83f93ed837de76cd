"""A workflow's state diagram as SVG drawn on the server (no script, no library): a simple
layered layout. States are boxes in rows by their distance (in transitions) from the initial
state, states no transition reaches last; each edge is an arrow labelled with the Chinese
trigger labels of the transitions it stands for.

The kind of a state is written under its name (起始, 办结, 终结, 暂停计时) and drawn with its
own border (double, thick, dashed), never told by colour alone. The template
(`_diagram.svg`) only draws what `layout` computed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from itertools import pairwise

from engine.workflow import WorkflowDef

BOX_W, BOX_H = 132, 50
GAP_X, ROW_H = 56, 150
MARGIN = 24


@dataclass(frozen=True, kw_only=True)
class Box:
    name: str
    label: str
    kinds: tuple[str, ...]  # words: 起始 / 办结 / 终结 / 暂停计时
    css: str  # one class per kind, for the border styles
    x: int
    y: int
    row: int

    @property
    def cx(self) -> int:
        return self.x + BOX_W // 2


Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True, kw_only=True)
class Edge:
    source: str
    dest: str
    label: str  # the trigger labels, joined
    path: str  # SVG path data
    lx: int  # where the label goes (the start of its baseline)
    ly: int
    points: tuple[Point, ...] = ()  # the path's end and control points (a Bézier curve)

    def at(self, t: float) -> Point:
        """The point of the path at `t` in [0, 1] (de Casteljau)."""
        pts = list(self.points)
        while len(pts) > 1:
            pts = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                   for a, b in pairwise(pts)]
        return pts[0]

    @property
    def label_rect(self) -> Rect:
        return label_rect(self.label, self.lx, self.ly)


# the edge labels' box as the stylesheet draws them (11 px, CJK glyphs about 1 em wide)
LABEL_EM, LABEL_ASCENT, LABEL_DESCENT = 11, 10, 3
# where along an edge a label may go, most wanted first: the middle, then outwards
LABEL_TS = (0.5, 0.6, 0.4, 0.7, 0.3, 0.75, 0.25, 0.8, 0.2, 0.85, 0.15)


def label_rect(text: str, x: float, y: float) -> Rect:
    width = sum(LABEL_EM if ord(c) > 0x2E7F else LABEL_EM * 0.6 for c in text)
    return (x, y - LABEL_ASCENT, x + width, y + LABEL_DESCENT)


def overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class Diagram:
    width: int
    height: int
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def state_kinds(wf: WorkflowDef, name: str) -> tuple[str, ...]:
    st = wf.states[name]
    kinds = []
    if st.initial:
        kinds.append("起始")
    if st.final:
        kinds.append("终结")
    elif st.closed:
        kinds.append("办结")
    if st.pauses_clock:
        kinds.append("暂停计时")
    return tuple(kinds)


_CSS = {"起始": "initial", "办结": "closed", "终结": "final", "暂停计时": "paused"}


def rows(wf: WorkflowDef) -> dict[str, int]:
    """Each state's row: its distance from the initial state (unreachable ones: last)."""
    out = {wf.initial_state: 0}
    todo = deque([wf.initial_state])
    while todo:
        here = todo.popleft()
        for t in wf.transitions_from(here):
            if t.dest not in out:
                out[t.dest] = out[here] + 1
                todo.append(t.dest)
    last = max(out.values(), default=0) + 1
    for name in wf.states:
        out.setdefault(name, last)
    return out


def layout(wf: WorkflowDef) -> Diagram:
    row_of = rows(wf)
    by_row: dict[int, list[str]] = {}
    for name in wf.states:  # the file's order within a row
        by_row.setdefault(row_of[name], []).append(name)
    widest = max(len(v) for v in by_row.values())
    width = 2 * MARGIN + widest * BOX_W + (widest - 1) * GAP_X
    boxes: dict[str, Box] = {}
    for r, names in sorted(by_row.items()):
        used = len(names) * BOX_W + (len(names) - 1) * GAP_X
        left = (width - used) // 2
        # under the states they come from (mean x of those above), fewer crossing edges
        parents = {n: [boxes[t_src].cx for t in wf.transitions if t.dest == n
                       for t_src in t.sources if t_src in boxes and boxes[t_src].row < r]
                   for n in names}
        names = sorted(names, key=lambda n: (sum(parents[n]) / len(parents[n])
                                             if parents[n] else width / 2))
        for i, name in enumerate(names):
            kinds = state_kinds(wf, name)
            boxes[name] = Box(name=name, label=wf.states[name].label or name, kinds=kinds,
                              css=" ".join(_CSS[k] for k in kinds), row=r,
                              x=left + i * (BOX_W + GAP_X), y=MARGIN + r * ROW_H)
    labels: dict[tuple[str, str], list[str]] = {}
    for t in wf.transitions:
        for src in t.sources:
            labels.setdefault((src, t.dest), []).append(t.label or t.trigger)
    edges = _place_labels([_edge(boxes[s], boxes[d], "、".join(names))
                           for (s, d), names in labels.items() if s in boxes and d in boxes],
                          list(boxes.values()), width)
    height = 2 * MARGIN + (max(row_of.values()) + 1) * ROW_H - (ROW_H - BOX_H)
    return Diagram(width=width, height=height, boxes=tuple(boxes.values()),
                   edges=tuple(edges))


def _edge(a: Box, b: Box, label: str) -> Edge:
    if b.row > a.row:  # downwards: bottom of a to top of b
        x1, y1, x2, y2 = a.cx, a.y + BOX_H, b.cx, b.y
        # the label near the arrow's end: edges fanning out of one box part there
        lx, ly = x1 + (x2 - x1) * 3 // 5, y1 + (y2 - y1) * 3 // 5
        return Edge(source=a.name, dest=b.name, label=label,
                    path=f"M{x1},{y1} L{x2},{y2}", lx=lx + 4, ly=ly,
                    points=((x1, y1), (x2, y2)))
    if b.row < a.row:  # back up: from a's top, bowing to the right, into b's bottom
        x1, y1, x2, y2 = a.cx + 20, a.y, b.cx + 20, b.y + BOX_H
        cx, cy = max(x1, x2) + 60, (y1 + y2) // 2
        return Edge(source=a.name, dest=b.name, label=label,
                    path=f"M{x1},{y1} Q{cx},{cy} {x2},{y2}", lx=cx - 20, ly=cy,
                    points=((x1, y1), (cx, cy), (x2, y2)))
    # the same row: an arc above the boxes (a loop when a is b)
    x1, x2, y = a.cx, b.cx, a.y
    if a.name == b.name:
        x1, x2 = a.x + 30, a.x + BOX_W - 30
    top = y - 34
    return Edge(source=a.name, dest=b.name, label=label,
                path=f"M{x1},{y} C{x1},{top} {x2},{top} {x2},{y}",
                lx=(x1 + x2) // 2, ly=top + 2,
                points=((x1, y), (x1, top), (x2, top), (x2, y)))


def _place_labels(edges: list[Edge], boxes: list[Box], width: int) -> list[Edge]:
    """Each label at the first point along its edge (middle first, then outwards; right of
    the line, then left of it) where it covers no box and no label placed before it; where
    every point is taken, the one it covers least. Edges fanning out of one box otherwise
    stack their labels on each other."""
    taken: list[Rect] = [(b.x - 2, b.y - 2, b.x + BOX_W + 2, b.y + BOX_H + 2) for b in boxes]
    out: dict[int, Edge] = {}
    # the long ones first, while there is room; the edges keep their order in the picture
    for i in sorted(range(len(edges)), key=lambda i: -len(edges[i].label)):
        e = edges[i]
        w = label_rect(e.label, 0, 0)[2]
        best: tuple[float, int, int] | None = None
        for t in LABEL_TS:
            x, y = e.at(t)
            for lx in (x + 4, x - 4 - w):
                lx = min(max(lx, 2.0), width - 2 - w)
                ly = y + LABEL_ASCENT / 2
                cost = sum(overlap(label_rect(e.label, lx, ly), r) for r in taken)
                if best is None or cost < best[0]:
                    best = (cost, round(lx), round(ly))
                if cost == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        out[i] = replace(e, lx=best[1], ly=best[2])
        taken.append(out[i].label_rect)
    return [out[i] for i in range(len(edges))]
