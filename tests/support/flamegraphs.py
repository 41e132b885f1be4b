"""Flamegraph fixtures: a big, realistic flamegraph for benchmarks and browser tests."""

from __future__ import annotations

import random

from driftwatch_nb.core.flamegraph import render_layout

# -- big synthetic flamegraphs -----------------------------------------------------------------

# The size and shape of the interaction script real flamegraphs carry (comparisons and
# closing tags in strings included), so parsers see what they would see in the wild.
_DEMO_SCRIPT = """
"use strict";
var details, searchbtn, unzoombtn, matchedtxt, svg, searching, frames;
function init(evt) {
    details = document.getElementById("details").firstChild;
    frames = document.getElementById("frames");
}
function find_child(node, selector) {
    var children = node.querySelectorAll(selector);
    if (children.length) return children[0];
}
function update_text(e) {
    var r = find_child(e, "rect"), t = find_child(e, "text");
    var w = parseFloat(r.attributes.width.value) - 3;
    var txt = find_child(e, "title").textContent.replace(/\\([^(]*\\)$/, "");
    if (w < 2 * 12 * 0.59) { t.textContent = ""; return; }
    t.textContent = txt;
    for (var x = txt.length - 2; x > 0 && t.getSubStringLength(0, x + 2) > w; x--) {
        t.textContent = txt.substring(0, x) + "..";
    }
}
function html_note(s) { return "<b>" + s + "</b>"; }
"""


def make_large_flamegraph(
    target_bytes: int = 9 * 1024 * 1024, *, seed: int = 0, width: int = 1200
) -> bytes:
    """A deterministic flamegraph of about ``target_bytes`` (~50k frames at 9 MiB).

    It has the DOCTYPE and a ``<script>`` like flamegraph.pl / py-spy output, frame names in
    py-spy's ``func (path/module.py:LINE)`` style, and it passes ``validate_svg``.
    """
    rng = random.Random(seed)
    modules = [f"pkg{rng.randrange(30)}/mod{i}.py" for i in range(200)]
    names = [
        f"{rng.choice(('run', 'call', 'visit', 'handle', 'load', 'parse'))}_{i} "
        f"({rng.choice(modules)}:{rng.randrange(1, 900)})"
        for i in range(4000)
    ]

    def build(stacks: int) -> bytes:
        folded: dict[str, int] = {}
        for _ in range(stacks):
            depth = rng.randrange(8, 40)
            # Shared prefixes make a tree, as real profiles do; the tail varies.
            stack = [names[i] for i in range(min(depth, 6))]
            stack += [rng.choice(names) for _ in range(depth - len(stack))]
            key = ";".join(stack)
            folded[key] = folded.get(key, 0) + rng.randrange(1, 50)
        return render_layout(
            folded,
            title="driftwatch synthetic flamegraph",
            width=width,
            minwidth=0.0,
            script=_DEMO_SCRIPT,
        )

    state = rng.getstate()
    stacks = 200
    # Shared prefixes make the size grow a little slower than the stack count: re-aim twice.
    for _ in range(3):
        rng.setstate(state)
        svg = build(stacks)
        if abs(len(svg) - target_bytes) <= target_bytes * 0.01:
            break
        stacks = max(1, round(stacks * target_bytes / len(svg)))
    return svg
