"""A lot's journey drawn as SVG on the server: lots, companies and transformations as nodes,
top to bottom in the order things happened to them (narrow enough to sit beside the events
table, and to read on a phone); no script, no CDN (the CSP allows neither).

The graph is built from a ``TraceGraph`` the reader may see (``visible_trace_graph``):

- a company *made* a lot (the owner of its registered product, else the recorder of its
  commissioning event);
- a lot went *into* a transformation and a lot came *out* of it (the lineage edges);
- a company *shipped* lots to another company (its shipping events, the lots named on them).

Layout: each node's rank (its row of the drawing) is the longest path to it from a node with
no predecessor (a cycle — stock shipped back — is cut at the edge that closes it and drawn as
an arc on the right); within a rank, nodes sit near the mean place of their predecessors. Text uses the CJK-capable
font stack of ``workbench.charts``; each node carries a ``<title>`` with its full name.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .charts import FONT

NODE_W, NODE_H = 168, 46
COLUMN_W, ROW_H = 184, 88  # a place across, a rank down
MARGIN, LEGEND_ROW = 16, 20
MIN_WIDTH = 360

COLORS = {
    "made": "#8c959f",
    "shipped": "#0b5cad",
    "input": "#bf8700",
    "output": "#bf8700",
}


@dataclass
class Node:
    key: str
    kind: str  # lot, company, transformation
    label: str
    sublabel: str = ""
    title: str = ""
    href: str = ""
    root: bool = False
    rank: int = 0
    row: int = 0


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # made, input, output, shipped
    labels: list[str] = field(default_factory=list)


@dataclass
class JourneyGraph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    _index: dict[tuple[str, str, str], Edge] = field(default_factory=dict, repr=False)

    def add(self, node: Node) -> Node:
        return self.nodes.setdefault(node.key, node)

    def link(self, source: str, target: str, kind: str, label: str = "") -> None:
        edge = self._index.get((source, target, kind))
        if edge is None:
            edge = self._index[(source, target, kind)] = Edge(source, target, kind)
            self.edges.append(edge)
        if label and label not in edge.labels:
            edge.labels.append(label)


def lot_key(pk: int) -> str:
    return f"lot-{pk}"


def company_key(pk: int) -> str:
    return f"company-{pk}"


def build(trace, *, name, lot_label, lot_href) -> JourneyGraph:
    """The journey graph of ``trace`` (a ``TraceGraph`` already cut to what the reader may
    see). ``name(obj)``: a company's or product's name in the page's language;
    ``lot_label(batch)``: (product, lot) texts; ``lot_href(batch)``: its page or ""."""
    g = JourneyGraph()
    batches = {b.pk: b for b in trace.batches}

    def company(org) -> str:
        key = company_key(org.pk)
        g.add(Node(key, "company", name(org), org.region_code, name(org)))
        return key

    for b in trace.batches:
        product, lot = lot_label(b)
        g.add(
            Node(
                lot_key(b.pk),
                "lot",
                product,
                lot,
                f"{product} · GTIN {b.gtin} · {lot}",
                href=lot_href(b),
                root=b.pk == trace.root.pk,
            )
        )
    for b in trace.batches:
        if b.product_id and b.product.owner is not None:
            g.link(company(b.product.owner), lot_key(b.pk), "made")

    transformations: dict[int, dict] = {}
    for edge in trace.edges:
        t = transformations.setdefault(edge.event_id, {"inputs": [], "outputs": []})
        t["inputs"].append(edge.parent_id)
        t["outputs"].append(edge.child_id)
    events = {e.pk: e for e in trace.events}
    for event_pk, t in transformations.items():
        key = f"transformation-{event_pk}"
        event = events.get(event_pk)
        who = name(event.organization) if event is not None else ""
        g.add(Node(key, "transformation", _("Transformation"), who, who or _("Transformation")))
        for pk in dict.fromkeys(t["inputs"]):
            g.link(lot_key(pk), key, "input")
        for pk in dict.fromkeys(t["outputs"]):
            g.link(key, lot_key(pk), "output")

    for event in trace.events:
        lots = [link.batch_id for link in event.batch_links.all() if link.batch_id in batches]
        if not lots:
            continue
        if event.biz_step == "commissioning":
            for pk in lots:
                b = batches[pk]
                if not b.product_id:
                    g.link(company(event.organization), lot_key(pk), "made")
        elif event.biz_step == "shipping" and event.destination_org_id:
            source = company(event.source_org or event.organization)
            target = company(event.destination_org)
            for pk in lots:
                g.link(source, target, "shipped", batches[pk].lot)
    _layout(g)
    return g


def _layout(g: JourneyGraph) -> None:
    order = list(g.nodes)
    successors: dict[str, list[str]] = defaultdict(list)
    for e in g.edges:
        successors[e.source].append(e.target)
    # Depth-first search from every node in a stable order: an edge to a node still on the
    # stack closes a cycle and is left out of the ranking.
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for start in order:
        if start in state:
            continue
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    forward = [e for e in g.edges if (e.source, e.target) not in back and e.source != e.target]
    predecessors: dict[str, list[str]] = defaultdict(list)
    after: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(order, 0)
    for e in forward:
        predecessors[e.target].append(e.source)
        after[e.source].append(e.target)
        indegree[e.target] += 1
    ready = deque(k for k in order if indegree[k] == 0)
    topo = []
    while ready:
        node = ready.popleft()
        topo.append(node)
        for target in after[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    for key in topo:
        preds = predecessors[key]
        g.nodes[key].rank = max((g.nodes[p].rank + 1 for p in preds), default=0)
    columns: dict[int, list[str]] = defaultdict(list)
    for key in topo:
        columns[g.nodes[key].rank].append(key)
    for rank in sorted(columns):
        keys = columns[rank]
        if rank:

            def weight(key: str) -> float:
                rows = [g.nodes[p].row for p in predecessors[key]]
                return sum(rows) / len(rows) if rows else 0.0

            keys.sort(key=weight)
        for row, key in enumerate(keys):
            g.nodes[key].row = row


def _width(text: str) -> int:
    return sum(12 if ord(ch) > 0x2E80 else 7 for ch in text)


def _fit(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    while text and _width(text + "…") > limit:
        text = text[:-1]
    return text + "…"


def _xy(node: Node, top: int) -> tuple[int, int]:
    return MARGIN + node.row * COLUMN_W, top + node.rank * ROW_H


def _node(node: Node, top: int) -> str:
    x, y = _xy(node, top)
    kind = node.kind
    if kind == "lot":
        fill, stroke, ink = (
            ("#0b5cad", "#0b5cad", "#fff") if node.root else ("#e8f1fb", "#0b5cad", "#1d2329")
        )
        shape = f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{2 if node.root else 1}"/>'
    elif kind == "company":
        fill, ink = "#f4f6f8", "#1d2329"
        shape = f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="{NODE_H // 2}" fill="{fill}" stroke="#57606a"/>'
    else:
        ink = "#1d2329"
        h, w, c = NODE_H, NODE_W, 14
        points = f"{x + c},{y} {x + w - c},{y} {x + w},{y + h / 2} {x + w - c},{y + h} {x + c},{y + h} {x},{y + h / 2}"
        shape = f'<polygon points="{points}" fill="#fff4e0" stroke="#bf8700"/>'
    cx = x + NODE_W / 2
    lines = [
        f'<text x="{cx}" y="{y + 19}" text-anchor="middle" fill="{ink}" font-weight="600">'
        f"{escape(_fit(node.label, NODE_W - 20))}</text>"
    ]
    if node.sublabel:
        lines.append(
            f'<text x="{cx}" y="{y + 36}" text-anchor="middle" fill="{ink}" font-size="11">'
            f"{escape(_fit(node.sublabel, NODE_W - 20))}</text>"
        )
    classes = f"wbt-node wbt-{kind}" + (" wbt-root" if node.root else "")
    body = (
        f'<g class="{classes}" data-node="{node.key}" data-kind="{kind}">'
        f"<title>{escape(node.title or node.label)}</title>{shape}{''.join(lines)}</g>"
    )
    if node.href:
        return f"<a href={quoteattr(node.href)}>{body}</a>"
    return body


def _edge(edge: Edge, nodes: dict[str, Node], top: int) -> str:
    a, b = nodes[edge.source], nodes[edge.target]
    (ax, ay), (bx, by) = _xy(a, top), _xy(b, top)
    color = COLORS[edge.kind]
    dash = ' stroke-dasharray="4 3"' if edge.kind == "made" else ""
    if b.rank > a.rank:
        x1, y1, x2, y2 = ax + NODE_W / 2, ay + NODE_H, bx + NODE_W / 2, by - 2
        mid = (y1 + y2) / 2
        d = f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}"
        lx, ly = (x1 + x2) / 2 + 4, mid + 4
    else:  # back up the journey: an arc on the right of the nodes
        x1, y1, x2, y2 = ax + NODE_W, ay + NODE_H / 2, bx + NODE_W + 2, by + NODE_H / 2 + 6
        bulge = max(x1, x2) + COLUMN_W / 3
        d = f"M{x1},{y1} C{bulge},{y1} {bulge},{y2} {x2},{y2}"
        lx, ly = bulge - 10, (y1 + y2) / 2
    parts = [
        f'<path class="wbt-edge wbt-edge--{edge.kind}" data-from="{edge.source}" '
        f'data-to="{edge.target}" d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash} '
        f'marker-end="url(#wbt-arrow-{edge.kind})"/>'
    ]
    if edge.labels:
        text = _fit(", ".join(edge.labels), NODE_W)
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="11" fill="{color}" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(text)}'
            f"<title>{escape(', '.join(edge.labels))}</title></text>"
        )
    return "".join(parts)


def render(g: JourneyGraph, *, title: str) -> str:
    """The graph as an SVG element (inline in the page; links on the lots it may open)."""
    ranks = max((n.rank for n in g.nodes.values()), default=0) + 1
    places = max((n.row for n in g.nodes.values()), default=0) + 1
    width = max(2 * MARGIN + (places - 1) * COLUMN_W + NODE_W + COLUMN_W // 3, MIN_WIDTH)
    legend, legend_height = _legend(width - 2 * MARGIN)
    top = MARGIN + legend_height + 8
    height = top + (ranks - 1) * ROW_H + NODE_H + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="group" font-family="{FONT}" font-size="12" class="wbt-svg">',
        f"<title>{escape(str(title))}</title>",
        "<defs>",
    ]
    for kind, color in COLORS.items():
        parts.append(
            f'<marker id="wbt-arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        )
    parts.append("</defs>")
    parts.append(f'<rect width="{width}" height="{height}" fill="#fff"/>')
    parts.append(legend)
    parts.extend(_edge(e, g.nodes, top) for e in g.edges if e.source != e.target)
    parts.extend(_node(n, top) for n in g.nodes.values())
    parts.append("</svg>")
    return "".join(parts)


def _legend(width: int) -> tuple[str, int]:
    """The key to the shapes and lines, wrapped to ``width``; returns it and its height."""
    items = [
        ("lot", pgettext("trace graph: a lot", "Lot")),
        ("company", _("Company")),
        ("transformation", _("Transformation")),
        ("made", _("made")),
        ("shipped", _("shipped to")),
        ("input", _("went into / came out of")),
    ]
    x, y, parts = MARGIN, MARGIN + 10, ['<g class="wbt-legend">']
    for kind, label in items:
        item_width = 24 + _width(str(label))
        if x > MARGIN and x + item_width > MARGIN + width:
            x, y = MARGIN, y + LEGEND_ROW
        if kind == "lot":
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="18" height="12" rx="2" fill="#e8f1fb" stroke="#0b5cad"/>'
            )
        elif kind == "company":
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="18" height="12" rx="6" fill="#f4f6f8" stroke="#57606a"/>'
            )
        elif kind == "transformation":
            parts.append(
                f'<polygon points="{x + 4},{y - 10} {x + 14},{y - 10} {x + 18},{y - 4} {x + 14},{y + 2} '
                f'{x + 4},{y + 2} {x},{y - 4}" fill="#fff4e0" stroke="#bf8700"/>'
            )
        else:
            dash = ' stroke-dasharray="4 3"' if kind == "made" else ""
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{COLORS[kind]}" '
                f'stroke-width="1.6"{dash}/>'
            )
        parts.append(f'<text x="{x + 24}" y="{y}" fill="#1d2329">{escape(str(label))}</text>')
        x += item_width + 18
    parts.append("</g>")
    return "".join(parts), y - MARGIN + 6
