import assert from "node:assert/strict";
import { test } from "node:test";

import { diffPair, diffRows, pointLabel } from "../src/diff.js";

/**
 * @param {string} reportId
 * @param {string} startTime
 * @param {string | null} flamegraphId
 * @param {string} [branch]
 */
function picked(reportId, startTime, flamegraphId, branch = "main") {
  return {
    seriesData: { benchmark: "parse", branch },
    point: { reportId, startTime, gitHash: `${reportId}`.padEnd(40, "c") },
    flamegraph: flamegraphId ? { id: flamegraphId } : null,
  };
}

const OLD = picked("r1", "2026-11-01T12:00:00Z", "f1");
const NEW = picked("r2", "2026-11-02T12:00:00Z", "f2", "feature");

test("the older point is the base and the newer the head, whatever the click order", () => {
  for (const order of [[OLD, NEW], [NEW, OLD]]) {
    const pair = diffPair(order);
    assert.equal(pair.ok, true);
    if (!pair.ok) return;
    assert.equal(pair.base.flamegraphId, "f1");
    assert.equal(pair.base.reportId, "r1");
    assert.equal(pair.head.flamegraphId, "f2");
    assert.equal(pair.head.label, "parse · feature · r2cccccccc");
  }
});

test("a pair without a flamegraph on both sides, or of one flamegraph, says why", () => {
  const bare = picked("r3", "2026-11-03T12:00:00Z", null);
  const noFlamegraph = diffPair([OLD, bare]);
  assert.equal(noFlamegraph.ok, false);
  assert.match(noFlamegraph.ok ? "" : noFlamegraph.reason, /no flamegraph to compare for parse · main · r3c/);
  const same = diffPair([OLD, picked("r4", "2026-11-04T12:00:00Z", "f1")]);
  assert.equal(same.ok, false);
  assert.equal(diffPair([OLD]).ok, false);
});

test("a point without a commit is named by its report id", () => {
  const p = picked("0123456789abcdef", "2026-11-01T12:00:00Z", "f1");
  p.point.gitHash = null;
  assert.equal(pointLabel(p), "parse · main · 01234567");
});

test("the functions table shows shares of samples and the change in points", () => {
  const rows = diffRows({
    summary: "slower",
    functions: [
      { name: "tokenize", baseSelf: 0.5, headSelf: 0.8, deltaSelf: 0.3, relativeSelf: 0.6 },
      { name: "build", baseSelf: 0.3, headSelf: 0.12, deltaSelf: -0.18, relativeSelf: -0.6 },
      { name: "fresh", baseSelf: 0, headSelf: 0.05, deltaSelf: 0.05, relativeSelf: null },
      { name: "caller", baseSelf: 0, headSelf: 0, deltaSelf: 0, relativeSelf: null },
    ],
  });
  assert.deepEqual(rows.map((r) => r.name), ["tokenize", "build", "fresh"]);
  assert.deepEqual(rows[0], {
    name: "tokenize",
    before: "50.0 %",
    after: "80.0 %",
    change: "+30.0 pts (+60 %)",
    grew: true,
  });
  assert.equal(rows[1].change, "−18.0 pts (−60 %)");
  assert.equal(rows[1].grew, false);
  assert.equal(rows[2].change, "+5.0 pts (new)");
});

test("raw counts when the diff is not normalized", () => {
  const [row] = diffRows({
    summary: "",
    normalized: false,
    functions: [{ name: "f", baseSelf: 1200, headSelf: 300, deltaSelf: -900, relativeSelf: -0.75 }],
  });
  assert.equal(row.before, "1,200");
  assert.equal(row.change, "−900 samples (−75 %)");
});
