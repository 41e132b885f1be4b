import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ROW_PX,
  clampRange,
  clampScroll,
  depthAtY,
  ellipsize,
  homeScroll,
  magnification,
  panRange,
  rowTop,
  wholeRange,
  zoomRangeAt,
} from "../src/range.js";

test("zoomRangeAt keeps the sample under the pointer still and stays within the graph", () => {
  const v = wholeRange(1000);
  const z = zoomRangeAt(v, 1000, 2, 250, 1000); // pointer at a quarter
  assert.equal(z.hi - z.lo, 500);
  assert.equal(z.lo + 0.25 * (z.hi - z.lo), 250);
  assert.equal(magnification(z, 1000), 2);
  const out = zoomRangeAt(z, 1000, 0.1, 500, 1000);
  assert.deepEqual([out.lo, out.hi], [0, 1000]);
  assert.equal(out.focus, -1);
});

test("panRange: dragging right shows what is left, clamped at the edges", () => {
  const v = { ...wholeRange(1000), lo: 400, hi: 600 };
  const p = panRange(v, 1000, 100, 1000); // 100 px of 1000 px = 20 samples
  assert.deepEqual([p.lo, p.hi], [380, 580]);
  const edge = panRange(v, 1000, 100000, 1000);
  assert.deepEqual([edge.lo, edge.hi], [0, 200]);
  assert.deepEqual([clampRange({ ...v, lo: -5, hi: 2000 }, 1000).lo, clampRange({ ...v, lo: -5, hi: 2000 }, 1000).hi], [0, 1000]);
});

test("rows: flame puts the root at the bottom, icicle at the top; scroll is clamped", () => {
  const maxDepth = 9; // 10 rows = 160 px
  assert.equal(rowTop(0, maxDepth, false, 0), 9 * ROW_PX);
  assert.equal(rowTop(0, maxDepth, true, 0), 0);
  assert.equal(depthAtY(9 * ROW_PX + 3, maxDepth, false, 0), 0);
  assert.equal(depthAtY(ROW_PX + 3, maxDepth, true, 0), 1);
  assert.equal(depthAtY(3, maxDepth, false, 40), 9 - 2); // scrolled 40 px: row 2 at the top
  assert.equal(homeScroll(maxDepth, 100, false), 60); // the root in sight
  assert.equal(homeScroll(maxDepth, 100, true), 0);
  assert.equal(clampScroll(-5, 160, 100), 0);
  assert.equal(clampScroll(500, 160, 100), 60);
  assert.equal(clampScroll(10, 80, 100), 0);
});

test("ellipsize: whole name when it fits, an ellipsis only when needed, nothing when tiny", () => {
  const measure = (/** @type {string} */ s) => s.length * 7;
  assert.equal(ellipsize("parse_row", 63, measure), "parse_row");
  assert.equal(ellipsize("parse_row", 62, measure), "parse_r…");
  assert.equal(ellipsize("parse_row", 21, measure), "pa…");
  assert.equal(ellipsize("parse_row", 20, measure), "");
  // proportional fonts: the guess is corrected by measuring
  const wide = (/** @type {string} */ s) => [...s].reduce((a, c) => a + (c === "W" ? 14 : 5), 0);
  const cut = ellipsize("WWWWiiiiiiii", 60, wide);
  const kept = cut.length - 1;
  assert.ok(wide(cut) <= 60 && wide(`${"WWWWiiiiiiii".slice(0, kept + 1)}…`) > 60, cut);
});
