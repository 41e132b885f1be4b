import assert from "node:assert/strict";
import { test } from "node:test";

import { frameNames, frameOfNode, indexFrames, parseFrameTitle, rootIsBelow } from "../src/frames.js";
import { h, infernoFrame } from "./fakedom.js";

test("parseFrameTitle: name, count, unit and percent", () => {
  assert.deepEqual(parseFrameTitle("main (bench.py:40) (1,234 samples, 12.34%)"), {
    name: "main (bench.py:40)",
    count: "1,234",
    unit: "samples",
    percent: "12.34",
  });
  assert.deepEqual(parseFrameTitle("  alloc (2.5 MB, 50%)  "), {
    name: "alloc",
    count: "2.5",
    unit: "MB",
    percent: "50",
  });
});

test("parseFrameTitle: other suffixes are cut, plain names kept", () => {
  assert.deepEqual(parseFrameTitle("f (something else)"), { name: "f", count: null, unit: null, percent: null });
  assert.equal(parseFrameTitle("just_a_name").name, "just_a_name");
  assert.equal(parseFrameTitle("").name, "");
  assert.equal(parseFrameTitle("multi\nline (3 samples, 1%)").name, "multi\nline");
});

/** An inferno / py-spy layout: frames in <svg id="frames" width="1180" total_samples="10">. */
function inferno({ withSamples = true } = {}) {
  const s = (fx, fw) => (withSamples ? { fx, fw } : {});
  return h(
    "svg",
    { width: "1200", height: "100" },
    h("g", {}, h("title", {}, "not a frame: no rect")),
    h(
      "svg",
      { id: "frames", width: "1180", total_samples: "10" },
      infernoFrame("all (10 samples, 100%)", { x: 0, w: 100, y: 80, ...s(0, 10), label: "all" }),
      infernoFrame("main (8 samples, 80%)", { x: 0, w: 80, y: 64, ...s(0, 8) }),
      infernoFrame("idle (2 samples, 20%)", { x: 80, w: 20, y: 64, ...s(8, 2) }),
      infernoFrame("work (5 samples, 50%)", { x: 0, w: 50, y: 48, ...s(0, 5) }),
    ),
  );
}

test("indexFrames: percent layout with samples", () => {
  const fi = indexFrames(/** @type {any} */ (inferno()));
  assert.ok(fi);
  assert.equal(fi.n, 4);
  assert.equal(fi.root, 0);
  assert.equal(fi.unit, "%");
  assert.equal(fi.pxPerUnit, 11.8);
  assert.equal(fi.x0, 0);
  assert.equal(fi.width, 100);
  assert.deepEqual(Array.from(fi.xs), [0, 0, 80, 0]);
  assert.deepEqual(Array.from(fi.ys), [80, 64, 64, 48]);
  assert.deepEqual(Array.from(fi.sw ?? []), [10, 8, 2, 5]);
  assert.equal(fi.totalSamples, 10);
  assert.ok(Math.abs(fi.textDx - 0.3) < 1e-9);
  assert.equal(fi.grouped, true);
  assert.equal(fi.holder.getAttribute("id"), "frames");
  assert.equal(fi.indexOf.get(fi.els[2]), 2);
  assert.deepEqual(frameNames(fi), ["all", "main", "idle", "work"]);
  assert.equal(frameNames(fi), frameNames(fi)); // parsed once
});

test("indexFrames: without fg:x/fg:w there are no sample arrays", () => {
  const fi = indexFrames(/** @type {any} */ (inferno({ withSamples: false })));
  assert.ok(fi);
  assert.equal(fi.sx, null);
  assert.equal(fi.sw, null);
  assert.equal(fi.totalSamples, 0);
});

test("indexFrames: flamegraph.pl pixel layout, frames not grouped, root width wins", () => {
  const frame = (title, x, w, y) =>
    h("g", {}, h("title", {}, title), h("rect", { x: String(x), y: String(y), width: String(w) }));
  const svg = h(
    "svg",
    { width: "1200", height: "200" },
    h("g", { id: "a" }, frame("f (1 samples, 10%)", 10, 118, 150)),
    h("g", { id: "b" }, frame("all (10 samples, 100%)", 10, 1180, 166)),
  );
  const fi = indexFrames(/** @type {any} */ (svg));
  assert.ok(fi);
  assert.equal(fi.n, 2);
  assert.equal(fi.root, 1);
  assert.equal(fi.unit, "");
  assert.equal(fi.pxPerUnit, 1);
  assert.equal(fi.textDx, 3); // no <text>: flamegraph.pl's default
  assert.equal(fi.grouped, false);
  assert.equal(fi.sx, null);
});

test("indexFrames: groups without a numeric width are skipped; no frames gives null", () => {
  const bad = h("g", {}, h("title", {}, "x"), h("rect", { width: "wide" }));
  assert.equal(indexFrames(/** @type {any} */ (h("svg", {}, bad))), null);
  assert.equal(indexFrames(/** @type {any} */ (h("svg", {}))), null);
});

test("rootIsBelow: flamegraphs (root at the bottom) versus icicles", () => {
  const fi = indexFrames(/** @type {any} */ (inferno()));
  assert.equal(rootIsBelow(fi, 100), true);
  assert.equal(rootIsBelow(fi, 1000), true); // cached from the first call
  const again = indexFrames(/** @type {any} */ (inferno()));
  assert.equal(rootIsBelow(again, 1000), false);
  assert.equal(rootIsBelow(null, 100), true);
});

test("frameOfNode: walks up from the event target to a frame <g>", () => {
  const svg = inferno();
  const fi = indexFrames(/** @type {any} */ (svg));
  assert.ok(fi);
  const rect = fi.rects[3];
  assert.equal(frameOfNode(fi, /** @type {any} */ (rect), /** @type {any} */ (svg)), 3);
  assert.equal(frameOfNode(fi, /** @type {any} */ (fi.holder), /** @type {any} */ (svg)), -1);
  assert.equal(frameOfNode(fi, null, /** @type {any} */ (svg)), -1);
  assert.equal(frameOfNode(null, /** @type {any} */ (rect), /** @type {any} */ (svg)), -1);
});
