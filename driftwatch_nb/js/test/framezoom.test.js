import assert from "node:assert/strict";
import { test } from "node:test";

import { F_HIDDEN, F_IN, F_MODIFIED, applyFrameZoom, restoreFrames } from "../src/framezoom.js";
import { indexFrames } from "../src/frames.js";
import { h, infernoFrame } from "./fakedom.js";

/** all [0,100%) > main [0,80%) > work [0,50%); idle [80,100%); rows 16 units apart. */
function graph() {
  return h(
    "svg",
    { width: "1200", height: "100" },
    h(
      "svg",
      { id: "frames", width: "1180" },
      infernoFrame("all (10 samples, 100%)", { x: 0, w: 100, y: 80, label: "all" }),
      infernoFrame("main (8 samples, 80%)", { x: 0, w: 80, y: 64, label: "main" }),
      infernoFrame("idle (2 samples, 20%)", { x: 80, w: 20, y: 64, label: "idle" }),
      infernoFrame("work (5 samples, 50%)", { x: 0, w: 50, y: 48, label: "work" }),
    ),
  );
}

test("applyFrameZoom stretches the frame, dims its parents and hides its neighbours", () => {
  const fi = indexFrames(/** @type {any} */ (graph()));
  assert.ok(fi);
  const stage = h("div");
  const ratio = applyFrameZoom(fi, 1, { stage: /** @type {any} */ (stage), fontPx: 12, naturalH: 100 });
  assert.equal(ratio, 100 / 80);
  const [all, main, idle, work] = fi.els;
  assert.equal(fi.rects[1].getAttribute("width"), "100.0000%");
  assert.equal(fi.rects[3].getAttribute("width"), "62.5000%");
  assert.equal(fi.texts[1]?.getAttribute("x"), "0.3000%");
  assert.ok(all.classList.contains("dw-frame-parent") && !main.classList.contains("dw-frame-parent"));
  assert.ok(!work.classList.contains("dw-frame-parent"));
  // grouped layout: frames in range carry dw-frame-in, the stage hides the rest
  assert.ok(stage.classList.contains("dw-zoomed"));
  assert.ok(main.classList.contains("dw-frame-in") && !idle.classList.contains("dw-frame-in"));
  assert.equal(fi.state[1], F_IN | F_MODIFIED);
  assert.equal(fi.state[2], 0);
  assert.equal(fi.texts[3]?.textContent, "work"); // still fits
});

test("restoreFrames puts every attribute, label and class back", () => {
  const fi = indexFrames(/** @type {any} */ (graph()));
  assert.ok(fi);
  const stage = h("div");
  const before = fi.rects.map((r) => [r.getAttribute("x"), r.getAttribute("width")]);
  applyFrameZoom(fi, 3, { stage: /** @type {any} */ (stage), fontPx: 12, naturalH: 100 });
  applyFrameZoom(fi, 2, { stage: /** @type {any} */ (stage), fontPx: 12, naturalH: 100 });
  restoreFrames(fi, /** @type {any} */ (stage));
  assert.deepEqual(fi.rects.map((r) => [r.getAttribute("x"), r.getAttribute("width")]), before);
  assert.deepEqual(fi.texts.map((t) => t?.textContent), ["all", "main", "idle", "work"]);
  assert.ok(!stage.classList.contains("dw-zoomed"));
  for (const g of fi.els) assert.equal(g.classList.names.size, 0);
  assert.deepEqual(Array.from(fi.state), [0, 0, 0, 0]);
});

test("ungrouped layouts hide the frames outside the range one by one", () => {
  const frame = (title, x, w, y) =>
    h("g", {}, h("title", {}, title), h("rect", { x: String(x), y: String(y), width: String(w) }));
  const svg = h(
    "svg",
    {},
    h("g", {}, frame("all (4 samples, 100%)", 10, 1180, 166)),
    h("g", {}, frame("a (3 samples, 75%)", 10, 885, 150), frame("b (1 samples, 25%)", 895, 295, 150)),
  );
  const fi = indexFrames(/** @type {any} */ (svg));
  assert.ok(fi && !fi.grouped);
  const stage = h("div");
  applyFrameZoom(fi, 2, { stage: /** @type {any} */ (stage), fontPx: 12, naturalH: 200 });
  assert.ok(fi.els[1].classList.contains("dw-frame-hidden"));
  assert.equal(fi.state[1], F_HIDDEN);
  assert.ok(!stage.classList.contains("dw-zoomed"));
  assert.equal(fi.rects[2].getAttribute("x"), "10.0000");
  restoreFrames(fi, /** @type {any} */ (stage));
  assert.ok(!fi.els[1].classList.contains("dw-frame-hidden"));
  assert.equal(fi.rects[2].getAttribute("x"), "895");
});
