"""What a differential flamegraph drawn on the canvas shows, asserted the same way on every
surface (the dashboard's alert modal and benchmark page, the notebook's HistoryViewer): drawn
from stacks (no SVG markup), diff mode with its legend, the grown function red, the shrunk one
blue, and hovering a frame shows its base, head and change of self share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

_PIXEL = """(viewer, [x, y]) => {
  const c = viewer.querySelector('[data-testid=dw-canvas]').shadowRoot.querySelector('canvas');
  const r = c.getBoundingClientRect();
  const k = c.width / r.width;
  const d = c.getContext('2d').getImageData(
    Math.floor((x - r.left) * k), Math.floor((y - r.top) * k), 1, 1).data;
  return [d[0], d[1], d[2]];
}"""


def frame_box(viewer: Locator, name: str) -> dict[str, float] | None:
    """Where the widest drawn frame called ``name`` is, in client pixels."""
    return viewer.evaluate("(v, n) => v.dwViewer.frameBox(n)", name)


def frame_colour(viewer: Locator, name: str) -> tuple[int, int, int]:
    """The canvas pixel in the middle of the top edge of frame ``name``."""
    box = frame_box(viewer, name)
    assert box is not None, f"{name} is not drawn"
    return tuple(viewer.evaluate(_PIXEL, [box["x"] + box["width"] / 2, box["y"] + 2]))


def assert_canvas_diff(
    page: Page, viewer: Locator, *, grew: str, shrank: str, hover: str
) -> dict[str, Any]:
    """The diff drawn on ``viewer``'s canvas: diff mode from stacks, legend shown, ``grew``
    red and ``shrank`` blue; returns the details line shown while hovering ``grew``, which
    must start with ``hover`` (its name and both sides)."""
    from playwright.sync_api import expect

    expect(viewer).to_have_attribute("data-status", "ready")
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(viewer).to_have_attribute("data-diff", "true")
    expect(viewer.get_by_test_id("dw-legend")).to_be_visible()
    expect(viewer.get_by_test_id("dw-legend")).to_contain_text("grew")
    shadow = viewer.evaluate(
        "(v) => [...v.querySelector('[data-testid=dw-canvas]').shadowRoot"
        ".querySelectorAll('*')].map((e) => e.localName)"
    )
    assert "canvas" in shadow and "svg" not in shadow, shadow
    assert viewer.locator("svg text").count() == 0  # no server-rendered SVG inserted
    viewer.scroll_into_view_if_needed()
    r, g, b = frame_colour(viewer, grew)
    assert r == 255 and g == b < 250, (grew, r, g, b)
    r, g, b = frame_colour(viewer, shrank)
    assert b == 255 and r == g < 250, (shrank, r, g, b)
    box = frame_box(viewer, grew)
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    details = viewer.get_by_test_id("dw-details")
    expect(details).to_contain_text(hover)
    return {"details": details.inner_text()}
