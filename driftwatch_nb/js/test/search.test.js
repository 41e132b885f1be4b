import assert from "node:assert/strict";
import { test } from "node:test";

import { compilePattern, matchFrames, searchFramesOf } from "../src/search.js";

test("compilePattern: case-insensitive regex, or the error the toolbar shows", () => {
  const ok = compilePattern("^Main");
  assert.ok(ok.re);
  assert.ok(ok.re.test("main (bench.py:40)"));
  const bad = compilePattern("(");
  assert.equal(bad.re, null);
  assert.match(bad.error ?? "", /^Invalid regex: /);
  assert.doesNotMatch(bad.error ?? "", /Invalid regular expression/);
});

// all [0,10) > main [0,8) > work [0,5) > json [0,2); main > dumps [5,7); idle [8,10)
const frames = {
  n: 6,
  names: ["all", "main", "work", "json", "dumps", "idle"],
  xs: [0, 0, 0, 0, 5, 8],
  ws: [10, 8, 5, 2, 2, 2],
  total: 10,
};

test("matchFrames: nested matches count once (top-most), siblings add up", () => {
  const nested = matchFrames(frames, /main|work/i);
  assert.deepEqual(Array.from(nested.hits), [0, 1, 1, 0, 0, 0]);
  assert.equal(nested.percent, 80);
  const siblings = matchFrames(frames, /json|dumps|idle/i);
  assert.equal(siblings.percent, 60);
  assert.equal(matchFrames(frames, /nothing/).percent, 0);
  assert.equal(matchFrames(frames, /./).percent, 100);
});

test("matchFrames: a zero total gives 0%", () => {
  assert.equal(matchFrames({ ...frames, total: 0 }, /main/).percent, 0);
});

test("searchFramesOf: samples when the SVG has them, layout otherwise", () => {
  const base = { n: 1, xs: [1], ws: [2], width: 50, totalSamples: 0, sx: null, sw: null };
  const layout = searchFramesOf(/** @type {any} */ (base), ["f"]);
  assert.deepEqual(layout, { n: 1, names: ["f"], xs: [1], ws: [2], total: 50 });
  const withSamples = { ...base, sx: [3], sw: [4], totalSamples: 40 };
  const samples = searchFramesOf(/** @type {any} */ (withSamples), ["f"]);
  assert.deepEqual(samples, { n: 1, names: ["f"], xs: [3], ws: [4], total: 40 });
});
