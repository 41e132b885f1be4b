"""Browser checks shared by the payload-corpus tests (widget and dashboard).

``interact`` pokes the viewer the way a curious user would; ``box_problems`` says what, if
anything, the shown SVG drew or placed outside the viewer's canvas. Each returns plain
sentences so a failing test names every payload that got through and how.
"""

from __future__ import annotations

import base64
from typing import Any

# Every element of the page outside the canvas is sampled on this grid (CSS pixels).
GRID_STEP = 24

_OUTSIDE_HITS = """
([canvasSel, step]) => {
  const canvas = document.querySelector(canvasSel);
  const r = canvas.getBoundingClientRect();
  const bad = [];
  for (let y = 1; y < innerHeight; y += step) {
    for (let x = 1; x < innerWidth; x += step) {
      if (x >= r.left - 1 && x <= r.right + 1 && y >= r.top - 1 && y <= r.bottom + 1) continue;
      const hit = document.elementFromPoint(x, y);
      if (hit && (hit === canvas || canvas.contains(hit))) bad.push([x, y]);
    }
  }
  return bad.length ? `${bad.length} points outside the canvas hit it, e.g. ${bad[0]}` : null;
}
"""

_CONTROLS_HITTABLE = """
(selectors) => {
  const bad = [];
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !(hit === el || el.contains(hit))) bad.push(`${sel} is covered by <${hit?.localName}>`);
  }
  return bad;
}
"""

# Pixels differing by more than PIXEL_TOLERANCE on some channel count as drawn, and a strip
# counts as drawn on when more than NOISE_PIXELS of them differ: the compositor re-rasterizes
# the toolbar's icons when the canvas's layers change, which moves a few anti-aliased pixels
# (at most 5 seen); anything an SVG could paint out there covers far more (hundreds to tens
# of thousands in the corpus's failures).
PIXEL_TOLERANCE = 8
NOISE_PIXELS = 24

_PIXELS_DIFFER = """
async ([a, b, tolerance]) => {
  const decode = async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  };
  const [pa, pb] = await Promise.all([decode(a), decode(b)]);
  let differing = 0;
  for (let i = 0; i < pa.length; i += 4) {
    if (Math.abs(pa[i] - pb[i]) > tolerance || Math.abs(pa[i + 1] - pb[i + 1]) > tolerance ||
        Math.abs(pa[i + 2] - pb[i + 2]) > tolerance) differing++;
  }
  return differing;
}
"""

_DETACH_SVG = """
(canvasSel) => {
  const stage = document.querySelector(canvasSel).shadowRoot.querySelector('.dw-stage');
  window.__dwDetached = [...stage.childNodes];
  stage.replaceChildren();
}
"""
_REATTACH_SVG = """
(canvasSel) => {
  document.querySelector(canvasSel).shadowRoot.querySelector('.dw-stage')
    .replaceChildren(...window.__dwDetached);
  window.__dwDetached = null;
}
"""


# Focus rings are the browser's, not the SVG's: blur the focused element, inside shadow roots too.
BLUR = """
() => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  a?.blur?.();
}
"""


def rect_of(page: Any, selector: str) -> dict[str, float]:
    """The element's bounding client rect."""
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }",
        selector,
    )


def interact(page: Any, canvas_selector: str) -> None:
    """Hover, click, double-click, right-click, middle-click, wheel and Enter at the canvas's centre."""
    r = rect_of(page, canvas_selector)
    cx, cy = r["x"] + r["width"] / 2, r["y"] + min(r["height"] / 2, 60)
    mouse = page.mouse
    mouse.move(cx - 40, cy)
    mouse.move(cx, cy, steps=3)
    mouse.click(cx, cy)
    mouse.dblclick(cx, cy)
    mouse.click(cx, cy, button="right")
    mouse.click(cx, cy, button="middle")
    mouse.wheel(0, 40)
    page.keyboard.press("Enter")
    mouse.move(1, 1)
    page.wait_for_timeout(250)  # animations, late loads and timers get their chance


def box_problems(
    page: Any, canvas_selector: str, baseline: dict[str, float], controls: list[str]
) -> list[str]:
    """What the shown SVG did outside the canvas: moved it, covered controls, painted outside."""
    problems: list[str] = []
    r = rect_of(page, canvas_selector)
    if any(abs(r[k] - baseline[k]) > 0.5 for k in ("x", "y", "width", "height")):
        problems.append(f"the canvas moved or grew: {r} instead of {baseline}")
    covered = page.evaluate(_CONTROLS_HITTABLE, controls)
    problems.extend(covered)
    outside = page.evaluate(_OUTSIDE_HITS, [canvas_selector, GRID_STEP])
    if outside:
        problems.append(outside)
    # Pixels outside the canvas with the SVG shown and with it detached must be identical.
    page.evaluate(BLUR)
    page.mouse.move(1, 1)
    page.wait_for_timeout(400)  # the toolbar's own hover and focus transitions settle
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    b = baseline
    left, top = max(0, int(b["x"])), max(0, int(b["y"]))
    right, bottom = min(vw, int(b["x"] + b["width"]) + 1), min(vh, int(b["y"] + b["height"]) + 1)
    strips = [
        {"x": 0, "y": 0, "width": vw, "height": top},
        {"x": 0, "y": bottom, "width": vw, "height": vh - bottom},
        {"x": 0, "y": top, "width": left, "height": bottom - top},
        {"x": right, "y": top, "width": vw - right, "height": bottom - top},
    ]
    strips = [s for s in strips if s["width"] > 0 and s["height"] > 0]
    shown = [page.screenshot(clip=s) for s in strips]
    page.evaluate(_DETACH_SVG, canvas_selector)
    try:
        bare = [page.screenshot(clip=s) for s in strips]
    finally:
        page.evaluate(_REATTACH_SVG, canvas_selector)
    for strip, a, b_ in zip(strips, shown, bare, strict=True):
        if a == b_:
            continue
        pair = [base64.b64encode(a).decode(), base64.b64encode(b_).decode(), PIXEL_TOLERANCE]
        differing = page.evaluate(_PIXELS_DIFFER, pair)
        if differing > NOISE_PIXELS:
            problems.append(f"{differing} pixels outside the canvas changed in {strip}")
    return problems
