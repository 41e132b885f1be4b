"""The flamegraph viewer drawing from folded stacks on a canvas, in a real headless Chromium.

The same test page and servers as ``test_viewer_browser.py`` (whose fixtures are reused);
frames are found through the viewer's ``frameBox(name)`` (where a frame is drawn, in client
pixels) and the canvas pixels, since no frame is an element any more.
"""

# ruff: noqa: F811  (the fixtures imported from test_viewer_browser are parameters here)
from __future__ import annotations

import json
import re

import pytest

from driftwatch_nb.core.flamegraph import _colour
from tests.support.browser import ARTIFACTS
from tests.test_viewer_browser import (  # noqa: F401  (fixtures)
    PYSPY_STACKS,
    Site,
    browser,
    expected_match,
    frames_from_folded,
    page,
    render_inferno,
    site,
)

pytestmark = pytest.mark.browser

FOLDED = "".join(f"{stack} {count}\n" for stack, count in PYSPY_STACKS.items())
BASE = {"main;parse_row": 50, "main;read": 50, "main;gone": 10}
HEAD = {"main;parse_row": 90, "main;read": 50}

MOUNT = """
(o) => {
  window.statuses = [];
  window.matched = [];
  window.handle?.destroy();
  window.handle = window.dwViewer.mountViewer(document.getElementById("host"), {
    ...o, onStatus: (s) => window.statuses.push(s), onMatched: (m) => window.matched.push(m),
  });
}
"""


def folded_of(stacks: dict[str, int]) -> str:
    return "".join(f"{s} {c}\n" for s, c in stacks.items())


def mount(page, expect: str = "ready", **options: object) -> None:  # noqa: ANN001
    page.evaluate(MOUNT, options)
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]')?.dataset.status !== 'loading'"
    )
    assert page.get_attribute("[data-testid=dw-viewer]", "data-status") == expect, page.inner_text(
        "[data-testid=dw-error]"
    )
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")


def box(page, name: str) -> dict | None:  # noqa: ANN001
    return page.evaluate("(n) => window.handle.frameBox(n)", name)


def settle(page) -> None:  # noqa: ANN001
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")


def pixel(page, x: float, y: float) -> tuple[int, int, int]:  # noqa: ANN001
    """The canvas pixel at client (x, y)."""
    return tuple(
        page.evaluate(
            """([x, y]) => {
              const c = document.querySelector('[data-testid=dw-canvas]').shadowRoot
                .querySelector('canvas');
              const r = c.getBoundingClientRect();
              const k = c.width / r.width;
              const d = c.getContext('2d').getImageData(
                Math.floor((x - r.left) * k), Math.floor((y - r.top) * k), 1, 1).data;
              return [d[0], d[1], d[2]];
            }""",
            [x, y],
        )
    )


def rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(v) for v in re.findall(r"\d+", text))  # type: ignore[return-value]


def viewer_attr(page, name: str) -> str:  # noqa: ANN001
    return page.get_attribute("[data-testid=dw-viewer]", name) or ""


def test_draws_from_stacks_without_author_markup(page, site: Site):
    mount(page, folded=FOLDED, fileName="pyspy.svg")
    shadow = page.evaluate(
        "() => [...document.querySelector('[data-testid=dw-canvas]').shadowRoot"
        ".querySelectorAll('*')].map((e) => e.localName)"
    )
    assert "canvas" in shadow and "svg" not in shadow and "g" not in shadow
    assert viewer_attr(page, "data-source") == "stacks"
    frames, total = frames_from_folded(PYSPY_STACKS)
    assert int(viewer_attr(page, "data-frames")) == len(frames)
    assert page.evaluate("window.statuses") == ["loading", "ready"]

    # width is samples; the colour is Python's flamegraph colour for the name
    root, build = box(page, "all"), box(page, "build (bench.py:12)")
    assert build["width"] == pytest.approx(root["width"] * 275 / total, abs=1.5)
    centre = (build["x"] + build["width"] / 2, build["y"] + 2)
    assert pixel(page, *centre) == rgb(_colour("build (bench.py:12)"))
    # siblings sorted by name, as flamegraph.pl does: build < dumps < loads under run
    xs = [box(page, n)["x"] for n in ("build (bench.py:12)", "dumps (json/__init__.py:231)")]
    assert xs == sorted(xs)

    # hover: full name, samples and share in a selectable details line
    page.mouse.move(build["x"] + 10, build["y"] + 7)
    details = page.get_by_test_id("dw-details")
    assert details.inner_text() == "build (bench.py:12) — 275 samples (25.00%), self 0 (0.00%)"
    assert details.evaluate("e => getComputedStyle(e).userSelect") != "none"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "viewer-stacks.png"))
    assert page.js_errors == []


def test_click_zoom_label_and_reset(page, site: Site):
    mount(page, folded=FOLDED)
    root = box(page, "all")
    build = box(page, "build (bench.py:12)")
    page.mouse.click(build["x"] + 10, build["y"] + 7)
    settle(page)
    zoomed = box(page, "build (bench.py:12)")
    assert zoomed["width"] == pytest.approx(root["width"], abs=2)
    assert zoomed["y"] == build["y"]  # the row stays where it was clicked
    assert float(viewer_attr(page, "data-frame-zoom")) == pytest.approx(1100 / 275)
    # the zoom label tells the truth: 400 % into that frame
    assert page.inner_text("[data-testid=dw-zoom-label]") == "400% · build (bench.py:12)"
    assert box(page, "dumps (json/__init__.py:231)") is None  # outside the zoomed frame
    assert box(page, "<listcomp> (bench.py:13)")["width"] > build["width"]
    # its children's labels fit in full now; Esc resets
    page.get_by_test_id("dw-viewer").focus()
    page.keyboard.press("Escape")
    settle(page)
    assert viewer_attr(page, "data-frame-zoom") == "1"
    assert box(page, "build (bench.py:12)")["width"] == pytest.approx(build["width"], abs=1)
    assert page.inner_text("[data-testid=dw-zoom-label]") == "100%"


def test_wheel_zoom_is_horizontal_only(page, site: Site):
    mount(page, folded=FOLDED)
    before = box(page, "build (bench.py:12)")
    page.get_by_test_id("dw-viewer").focus()
    page.mouse.move(before["x"] + 100, before["y"] + 7)
    page.mouse.wheel(0, -300)
    page.wait_for_function("+document.querySelector('[data-testid=dw-viewer]').dataset.zoom > 1.2")
    settle(page)
    after = box(page, "build (bench.py:12)")
    assert after["height"] == before["height"] and after["y"] == before["y"]
    assert after["width"] > before["width"] * 1.2


def test_search_case_toggle_invalid_pattern_and_zoomed_share(page, site: Site):
    mount(page, folded=FOLDED)
    frames, total = frames_from_folded(PYSPY_STACKS)
    svg = render_inferno(frames, total).encode()
    percent, hits = expected_match(svg, "json")
    page.get_by_test_id("dw-viewer").focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement?.dataset.testid") == "dw-search"
    page.keyboard.type("json")
    page.wait_for_function("window.matched.length > 1 && window.matched.at(-1) !== ''")
    assert page.evaluate("window.matched.at(-1)") == f"{percent:.2f}%"
    assert page.inner_text("[data-testid=dw-matched]") == f"Matched: {percent:.2f}%"
    assert int(viewer_attr(page, "data-matched-frames")) == hits
    dumps = box(page, "dumps (json/__init__.py:231)")
    assert pixel(page, dumps["x"] + dumps["width"] / 2, dumps["y"] + 2) == (230, 0, 230)

    # case toggle: "JSON" matches nothing when case matters
    page.get_by_test_id("dw-search").fill("JSON")
    page.get_by_test_id("dw-search").press("Enter")
    assert page.inner_text("[data-testid=dw-matched]") == f"Matched: {percent:.2f}%"
    page.get_by_test_id("dw-case").click()
    assert page.inner_text("[data-testid=dw-matched]") == "Matched: 0.00%"
    page.get_by_test_id("dw-case").click()

    # an invalid pattern clears the previous match and says so
    page.get_by_test_id("dw-search").fill("json(")
    page.get_by_test_id("dw-search").press("Enter")
    assert page.inner_text("[data-testid=dw-search-error]") == "invalid pattern"
    assert page.get_by_test_id("dw-matched").is_hidden()
    assert viewer_attr(page, "data-matched-frames") == "0"
    settle(page)
    assert pixel(page, dumps["x"] + dumps["width"] / 2, dumps["y"] + 2) != (230, 0, 230)

    # zoomed into a frame: the share of the zoomed frame too
    page.get_by_test_id("dw-search").fill("encode")
    page.get_by_test_id("dw-search").press("Enter")
    run = box(page, "run (bench.py:31)")
    page.mouse.click(run["x"] + 5, run["y"] + 7)
    settle(page)
    whole, _ = expected_match(svg, "encode")
    in_run = 100 * 420 / 1005  # dumps>encode is under run (1005 samples); report>encode is not
    assert page.inner_text("[data-testid=dw-matched]") == (
        f"Matched: {whole:.2f}% · {in_run:.2f}% of the zoomed frame"
    )


def test_icicle_toggle_puts_the_root_on_top(page, site: Site):
    mount(page, folded=FOLDED)
    canvas = page.get_by_test_id("dw-canvas").bounding_box()
    assert box(page, "all")["y"] > box(page, "main (bench.py:40)")["y"]
    page.get_by_test_id("dw-mode").click()
    settle(page)
    assert viewer_attr(page, "data-mode") == "icicle"
    assert box(page, "all")["y"] == pytest.approx(canvas["y"], abs=1)
    assert box(page, "all")["y"] < box(page, "main (bench.py:40)")["y"]
    page.screenshot(path=str(ARTIFACTS / "viewer-icicle.png"))


def test_functions_table_sorts_and_highlights(page, site: Site):
    mount(page, folded=FOLDED)
    page.get_by_test_id("dw-functions-toggle").click()
    rows = page.get_by_test_id("dw-function-row")
    names = {n for s in PYSPY_STACKS for n in s.split(";")}
    assert rows.count() == len(names)
    # by self, largest first: iterencode has 420 of 1100
    assert rows.first.get_attribute("data-name") == "iterencode (json/encoder.py:257)"
    assert rows.first.locator("td").nth(1).inner_text() == "38.18%"
    page.get_by_test_id("dw-sort-total").click()
    assert rows.first.get_attribute("data-name") == "<module> (bench.py:1)"
    page.get_by_test_id("dw-sort-total").click()  # again: ascending
    assert rows.first.get_attribute("data-name") == "report (bench.py:50)"
    assert rows.first.locator("td").nth(2).inner_text() == f"{100 * 35 / 1100:.2f}%"
    page.get_by_test_id("dw-sort-name").click()
    shown = [rows.nth(i).get_attribute("data-name") for i in range(rows.count())]
    assert shown == sorted(names)
    # click a row: that function's frames are highlighted, its share shown
    rows.filter(has_text="encode (json/encoder.py:199)").first.click()
    assert page.inner_text("[data-testid=dw-matched]") == f"Matched: {100 * 455 / 1100:.2f}%"
    assert viewer_attr(page, "data-matched-frames") == "2"
    page.screenshot(path=str(ARTIFACTS / "viewer-functions.png"))


def test_diff_mode_colours_legend_hover_and_shape(page, site: Site):
    mount(page, folded=folded_of(HEAD), base=folded_of(BASE), fileName="diff.svg")
    assert viewer_attr(page, "data-diff") == "true"
    assert page.get_by_test_id("dw-legend").is_visible()
    parse = box(page, "parse_row")
    read = box(page, "read")
    assert box(page, "gone") is None  # head's shape: the removed function has no width
    # parse_row's self share grew (50/110 -> 90/140): red; read's shrank: blue
    r, g, b = pixel(page, parse["x"] + parse["width"] / 2, parse["y"] + 2)
    assert r == 255 and g == b < 250
    r, g, b = pixel(page, read["x"] + read["width"] / 2, read["y"] + 2)
    assert b == 255 and r == g < 250
    page.mouse.move(parse["x"] + 10, parse["y"] + 7)
    delta = 100 * (90 / 140 - 50 / 110)
    assert page.inner_text("[data-testid=dw-details]") == (
        f"parse_row — base 50 ({100 * 50 / 110:.2f}%) → head 90 ({100 * 90 / 140:.2f}%); "
        f"self Δ +{delta:.2f} pp"
    )
    page.screenshot(path=str(ARTIFACTS / "viewer-diff.png"))
    page.get_by_test_id("dw-shape").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]').dataset.status === 'ready'"
    )
    settle(page)
    assert box(page, "gone") is not None  # base's shape shows removed code


def test_tall_graph_gets_a_scrollbar(page, site: Site):
    deep = ";".join(f"level{i}" for i in range(80))
    mount(page, folded=f"{deep} 5\nlevel0;other 5\n", height=200)
    assert page.get_by_test_id("dw-canvas").bounding_box()["height"] == 200
    assert page.evaluate(
        "!document.querySelector('[data-testid=dw-canvas]').shadowRoot"
        ".querySelector('.dw-vscroll').hidden"
    )
    assert box(page, "all") is not None and box(page, "level79") is None
    page.get_by_test_id("dw-viewer").focus()
    canvas = page.get_by_test_id("dw-canvas").bounding_box()
    page.mouse.move(canvas["x"] + 100, canvas["y"] + 100)
    page.keyboard.down("Shift")
    page.mouse.wheel(0, -5000)
    page.keyboard.up("Shift")
    page.wait_for_function("window.handle.frameBox('level79') !== null")
    assert box(page, "all") is None


def test_widget_keeps_the_zoom_when_it_renders_again(page, site: Site):
    page.evaluate(
        """(folded) => {
          const listeners = {};
          const state = { url: "", svg_text: "", folded, base_folded: "", shape: "head",
                          mode: "flame", file_name: "w.svg", height: 300, status: "", matched: "" };
          window.model = {
            get: (k) => state[k], set: (k, v) => { state[k] = v;
              (listeners["change:" + k] || []).forEach((f) => f()); },
            save_changes: () => {}, send: () => {},
            on: (ev, f) => { (listeners[ev] ||= []).push(f); },
            off: (ev, f) => { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); },
            state,
          };
          window.cleanup = window.dwViewer.default.render({ model: window.model,
            el: document.getElementById("host") });
        }""",
        FOLDED,
    )
    page.wait_for_function("window.model.state.status === 'ready'")
    settle(page)
    handle = "document.querySelector('[data-testid=dw-viewer]').dwViewer"
    build = page.evaluate(f"{handle}.frameBox('build (bench.py:12)')")
    page.mouse.click(build["x"] + 5, build["y"] + 7)
    page.get_by_test_id("dw-mode").click()
    zoom = viewer_attr(page, "data-frame-zoom")
    assert float(zoom) > 3
    page.evaluate(
        "() => { window.cleanup(); window.cleanup = window.dwViewer.default.render("
        "{ model: window.model, el: document.getElementById('host') }); }"
    )
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]')?.dataset.status === 'ready'"
    )
    assert viewer_attr(page, "data-frame-zoom") == zoom
    assert viewer_attr(page, "data-mode") == "icicle"
    # the Python side's mode trait drives it too
    page.evaluate("window.model.set('mode', 'flame')")
    assert viewer_attr(page, "data-mode") == "flame"
    page.evaluate("window.cleanup()")


def test_utf16_svg_gets_a_clear_message(page, site: Site):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'.encode("utf-16")
    url = site.put("/svg/utf16.svg", svg)
    page.evaluate(MOUNT, {"url": url})
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]')?.dataset.status === 'error'"
    )
    message = page.inner_text("[data-testid=dw-error]")
    assert "utf16.svg" in message and "UTF-16" in message and "re-save it as UTF-8" in message


def test_bad_stacks_are_a_clear_error(page, site: Site):
    mount(page, expect="error", folded="main;work 3\nnot a count line\n", fileName="cpu.svg")
    assert page.inner_text("[data-testid=dw-error]") == (
        "Could not show cpu.svg: cpu.svg: line 2 is not 'frame;frame;frame COUNT': "
        + json.dumps("not a count line")
    )


def test_wheel_scrolls_the_page_until_focused_and_drag_pans(page, site: Site):
    mount(page, folded=FOLDED)
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('div'), "
        "{style: 'height: 3000px'}))"
    )
    page.evaluate("document.activeElement?.blur()")
    build = box(page, "build (bench.py:12)")
    page.mouse.move(build["x"] + 10, build["y"] + 7)
    page.mouse.wheel(0, 200)
    page.wait_for_function("window.scrollY > 0")
    assert viewer_attr(page, "data-zoom") == "1"  # the page scrolled, the graph did not zoom
    page.evaluate("window.scrollTo(0, 0)")
    settle(page)

    # zoom in with Ctrl held, then drag: the frames move with the pointer, rows keep height
    build = box(page, "build (bench.py:12)")
    page.mouse.move(build["x"] + 10, build["y"] + 7)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -400)
    page.keyboard.up("Control")
    page.wait_for_function("+document.querySelector('[data-testid=dw-viewer]').dataset.zoom > 1.5")
    settle(page)
    before = box(page, "build (bench.py:12)")
    state = page.evaluate("window.handle.getState()")
    width = page.get_by_test_id("dw-canvas").bounding_box()["width"]
    page.mouse.move(before["x"] + 120, before["y"] + 7)
    page.mouse.down()
    page.mouse.move(before["x"] + 40, before["y"] + 7, steps=5)
    page.mouse.up()
    settle(page)
    moved = page.evaluate("window.handle.getState()")
    # 80 px to the left shows 80 px worth of samples more on the right
    span = state["hi"] - state["lo"]
    assert state["hi"] + 80 / width * span <= 1100  # room to pan
    assert moved["lo"] == pytest.approx(state["lo"] + 80 / width * span, rel=0.02)
    assert moved["hi"] - moved["lo"] == pytest.approx(span)
    after = box(page, "build (bench.py:12)")
    assert after["y"] == before["y"] and viewer_attr(page, "data-frame-zoom") == "1"
    assert page.js_errors == []


def test_download_saves_the_original_file(page, site: Site, tmp_path):  # noqa: ANN001
    frames, total = frames_from_folded(PYSPY_STACKS)
    svg = render_inferno(frames, total).encode()
    url = site.put("/svg/orig.svg", svg)
    mount(page, folded=FOLDED, url=url, fileName="orig.svg")
    with page.expect_download() as info:
        page.get_by_test_id("dw-download").click()
    assert info.value.suggested_filename == "orig.svg"
    info.value.save_as(tmp_path / "a.svg")
    assert (tmp_path / "a.svg").read_bytes() == svg
    # without a URL: the stacks themselves, as a .folded file
    mount(page, folded=FOLDED, fileName="cpu.svg")
    with page.expect_download() as info:
        page.get_by_test_id("dw-download").click()
    assert info.value.suggested_filename == "cpu.folded"
    info.value.save_as(tmp_path / "b.folded")
    assert (tmp_path / "b.folded").read_text() == FOLDED
