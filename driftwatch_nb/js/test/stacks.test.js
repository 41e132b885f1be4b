import assert from "node:assert/strict";
import { test } from "node:test";

import { compilePattern } from "../src/search.js";

import {
  ancestorsOf,
  buildTree,
  buildTreeAsync,
  crc32,
  describeFrame,
  formatCount,
  diffColour,
  frameAt,
  functionsOf,
  hotColour,
  parseFoldedLine,
  searchTree,
  selfDeltas,
  sortFunctions,
} from "../src/stacks.js";

// main;work;json 2 · main;work 3 · main;dumps 2 · idle 2 · main 1  => all 10
const FOLDED = ["main;work;json 2", "main;work 3", "main;dumps 2", "idle 2", "main 1", ""].join("\n");

/** @param {import("../src/stacks.js").FrameTree} t */
function rows(t) {
  return Array.from({ length: t.n }, (_, i) => [t.names[t.nameOf[i]], t.depth[i], t.start[i], t.total[i], t.self[i]]);
}

test("buildTree: flamegraph.pl layout, children sorted by name, widths are samples", () => {
  const t = buildTree(FOLDED);
  assert.deepEqual(rows(t), [
    ["all", 0, 0, 10, 0],
    ["idle", 1, 0, 2, 2],
    ["main", 1, 2, 8, 1],
    ["dumps", 2, 2, 2, 2],
    ["work", 2, 4, 5, 3],
    ["json", 3, 4, 2, 2],
  ]);
  assert.equal(t.totalSamples, 10);
  assert.equal(t.maxDepth, 3);
  // pre-order subtrees: main spans frames 2..5
  assert.deepEqual(Array.from(t.end), [6, 2, 6, 4, 6, 6]);
  assert.deepEqual(t.byDepth.map((r) => Array.from(r)), [[0], [1, 2], [3, 4], [5]]);
  assert.deepEqual(ancestorsOf(t, 5), [0, 2, 4]);
});

test("buildTree: repeated stacks merge; bare counts and blank lines are skipped", () => {
  const t = buildTree("a;b 1\n7\n\na;b 2\r\n");
  assert.deepEqual(rows(t), [
    ["all", 0, 0, 3, 0],
    ["a", 1, 0, 3, 0],
    ["b", 2, 0, 3, 3],
  ]);
});

test("buildTree: a bad line or no samples is a clear error naming the file", () => {
  assert.throws(() => buildTree("a;b 1\na;b x\n", { fileName: "cpu.folded" }), /cpu\.folded: line 2 is not 'frame;frame;frame COUNT'/);
  assert.throws(() => buildTree("\n", { fileName: "e.folded" }), /e\.folded: no samples to draw/);
  assert.equal(parseFoldedLine("  ", 1), null);
  assert.deepEqual(parseFoldedLine("a b;c 5", 1), ["a b;c", 5]);
});

test("buildTreeAsync: same tree as buildTree, yielding between slices", async () => {
  const lines = [];
  for (let i = 0; i < 3000; i++) lines.push(`root;f${i % 97};g${i % 13} ${1 + (i % 5)}`);
  const text = lines.join("\n");
  const a = buildTree(text);
  const b = await buildTreeAsync(text, { budgetMs: 0 });
  assert.ok(b);
  assert.deepEqual(rows(b), rows(a));
  let current = true;
  const stopped = buildTreeAsync(text, { budgetMs: 0, isCurrent: () => current });
  current = false;
  assert.equal(await stopped, null);
});

test("frameAt: the frame covering a sample offset on a row", () => {
  const t = buildTree(FOLDED);
  const name = (/** @type {number} */ i) => (i < 0 ? null : t.names[t.nameOf[i]]);
  assert.equal(name(frameAt(t, 0, 9.5)), "all");
  assert.equal(name(frameAt(t, 1, 1.9)), "idle");
  assert.equal(name(frameAt(t, 1, 2)), "main");
  assert.equal(name(frameAt(t, 2, 3.99)), "dumps");
  assert.equal(name(frameAt(t, 3, 4)), "json");
  assert.equal(frameAt(t, 3, 7), -1); // work's self time: nothing above
  assert.equal(frameAt(t, 4, 4), -1);
});

test("crc32 and hotColour match Python's zlib.crc32 and flamegraph._colour", () => {
  // expected values printed by Python: zlib.crc32(s.encode()), driftwatch_nb.core.flamegraph._colour(s)
  assert.equal(crc32(""), 0);
  assert.equal(crc32("hello"), 0x3610a686);
  assert.equal(crc32("é"), 0x0e048d3e); // the UTF-8 path
  assert.equal(hotColour("hello"), "rgb(208,120,35)");
  assert.equal(hotColour("é"), "rgb(205,55,30)");
  assert.equal(hotColour("parse_row (app/rows.py:12)"), "rgb(235,144,33)");
});

test("searchTree: top-most matches, whole graph and zoomed frame shares", () => {
  const t = buildTree(FOLDED);
  const { re } = compilePattern("work|json", false);
  assert.ok(re);
  const r = searchTree(t, (n) => re.test(n));
  assert.equal(r.count, 2);
  assert.equal(r.percentAll, 50); // work (5) contains json: counted once
  const main = 2;
  const inMain = searchTree(t, (n) => re.test(n), main);
  assert.equal(inMain.percentFocus, 62.5); // 5 of main's 8
  // a match above the zoomed frame covers all of it
  const work = 4;
  const mainMatch = searchTree(t, (n) => n === "main", work);
  assert.equal(mainMatch.percentFocus, 100);
  assert.equal(mainMatch.percentAll, 80);
  // case toggle
  assert.equal(compilePattern("MAIN", false).re?.test("main"), true);
  assert.equal(compilePattern("MAIN", true).re?.test("main"), false);
  assert.equal(compilePattern("(", false).re, null);
});

test("functionsOf: self and total per function, recursion counted once", () => {
  const t = buildTree("a;b;a 4\na;c 2\nb 1\n");
  const byName = Object.fromEntries(functionsOf(t).map((r) => [r.name, [r.self, r.total]]));
  assert.deepEqual(byName, { a: [4, 6], b: [1, 5], c: [2, 2] });
});

test("sortFunctions: by any column, numbers largest first, ties by name", () => {
  const t = buildTree("a;b;a 4\na;c 2\nb 1\nd 2\n");
  const rowsOf = (/** @type {any} */ col, /** @type {boolean | undefined} */ desc) =>
    sortFunctions(functionsOf(t), col, desc).map((r) => r.name);
  assert.deepEqual(rowsOf("self"), ["a", "c", "d", "b"]);
  assert.deepEqual(rowsOf("self", false), ["b", "c", "d", "a"]);
  assert.deepEqual(rowsOf("total"), ["a", "b", "c", "d"]);
  assert.deepEqual(rowsOf("name"), ["a", "b", "c", "d"]);
  assert.deepEqual(rowsOf("name", true), ["d", "c", "b", "a"]);
});

test("diff: head's shape, base values alongside, colours by the change of self share", () => {
  const base = "main;parse 50\nmain;read 50\n";
  const head = "main;parse 90\nmain;read 50\nmain;new 10\n";
  const t = buildTree(head, { base });
  assert.deepEqual(rows(t).map((r) => r.slice(0, 4)), [
    ["all", 0, 0, 150],
    ["main", 1, 0, 150],
    ["new", 2, 0, 10],
    ["parse", 2, 10, 90],
    ["read", 2, 100, 50],
  ]);
  assert.deepEqual(Array.from(t.otherTotal ?? []), [100, 100, 0, 50, 50]);
  const { delta, maxAbs } = selfDeltas(t, "head");
  // parse: 0.6 - 0.5; read: 1/3 - 0.5; new: 1/15 - 0
  assert.ok(Math.abs(delta[3] - 0.1) < 1e-12);
  assert.ok(Math.abs(delta[4] - (1 / 3 - 0.5)) < 1e-12);
  assert.ok(Math.abs(maxAbs - (0.5 - 1 / 3)) < 1e-12);
  assert.equal(diffColour(delta[4], maxAbs), "rgb(0,0,255)"); // the largest change: saturated
  assert.match(diffColour(delta[3], maxAbs), /^rgb\(255,(\d+),\1\)$/); // grew: red
  assert.equal(diffColour(0, maxAbs), "rgb(250,250,250)");
  const text = describeFrame(t, 3, { delta }, "head");
  assert.equal(text, "parse — base 50 (50.00%) → head 90 (60.00%); self Δ +10.00 pp");
  // base's shape: frames sized by the base, removed code shows, colours still head - base
  const b = buildTree(head, { base, shape: "base" });
  assert.deepEqual(rows(b).map((r) => [r[0], r[3]]), [["all", 100], ["main", 100], ["parse", 50], ["read", 50]]);
  const bd = selfDeltas(b, "base");
  assert.ok(Math.abs(bd.delta[2] - 0.1) < 1e-12);
  const fns = Object.fromEntries(functionsOf(t).map((r) => [r.name, r.deltaSelf]));
  assert.ok(Math.abs(fns.parse - 0.1) < 1e-12 && fns.new > 0 && fns.read < 0);
});

test("formatCount: thousands separated, rounded", () => {
  assert.deepEqual([0, 7, 999, 1000, 1234567.6, -4321].map(formatCount), ["0", "7", "999", "1,000", "1,234,568", "-4,321"]);
});
