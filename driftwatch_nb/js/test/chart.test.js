import assert from "node:assert/strict";
import { test } from "node:test";

import {
  flamegraphFor,
  formatChange,
  formatValue,
  layoutChart,
  linearScale,
  median,
  nearestPoint,
  nextSelection,
  niceTicks,
  scaleAt,
  segments,
  seriesLabel,
  timeExtent,
  timeTickLabel,
  timeTicks,
  valueExtent,
} from "../src/chart.js";

const T0 = Date.parse("2026-11-01T12:00:00Z");

/**
 * @param {number[]} values
 * @param {number} [hours]
 */
function points(values, hours = 1) {
  return values.map((value, i) => ({
    reportId: `r${i}`,
    gitHash: `${i}`.padStart(40, "0"),
    startTime: new Date(T0 + i * hours * 3600000).toISOString(),
    value,
    lower: value * 0.9,
    upper: value * 1.1,
    flamegraphs: i % 2 ? [] : [{ id: `f${i}`, fileName: "a.svg", benchmark: "parse" }],
  }));
}

test("a linear scale maps the domain onto the range, inverted ranges included", () => {
  const s = linearScale(0, 100, 300, 10);
  assert.equal(scaleAt(s, 0), 300);
  assert.equal(scaleAt(s, 100), 10);
  assert.equal(scaleAt(s, 50), 155);
});

test("a single-value domain is widened so its point sits mid-range", () => {
  const s = linearScale(5, 5, 0, 100);
  assert.equal(scaleAt(s, 5), 50);
});

test("nice ticks are round and cover the range", () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.3, 1.7, 4), [0.5, 1, 1.5]);
  assert.deepEqual(niceTicks(1_000_000, 1_300_000, 3), [1_000_000, 1_100_000, 1_200_000, 1_300_000]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.deepEqual(niceTicks(NaN, 3), []);
});

test("the value extent includes the bands and starts at zero when that is cheap", () => {
  const [lo, hi] = valueExtent([{ benchmark: "a", measure: "latency", points: points([40, 120]) }]);
  assert.equal(lo, 0);
  assert.ok(hi > 132, "upper band of 120 * 1.1 fits");
  const [lo2] = valueExtent([
    { benchmark: "a", measure: "latency", points: [{ reportId: "x", startTime: "2026-01-01T00:00:00Z", value: 1000 }, { reportId: "y", startTime: "2026-01-02T00:00:00Z", value: 1010 }] },
  ]);
  assert.ok(lo2 > 900 && lo2 < 1000, "a narrow range far from zero is not squashed");
  assert.deepEqual(valueExtent([]), [0, 1]);
});

test("one run's wide band cannot squash the series: bands widen the range by one span at most", () => {
  const pts = points([300, 310, 305, 1100, 1090]).map((p) => ({ ...p, lower: p.value * 0.9, upper: p.value * 1.1 }));
  pts[1] = { ...pts[1], upper: 60000 };
  const series = [{ benchmark: "a", measure: "latency", points: pts }];
  const [lo, hi] = valueExtent(series);
  assert.equal(lo, 0);
  assert.ok(hi >= 1100 + 800 && hi < 1100 + 800 * 1.2, `range ends near 1,900, not 60,000 (${hi})`);
  const layout = layoutChart(series, { width: 600, height: 300 });
  const outlier = layout.series[0].points[1];
  assert.ok(outlier.yUpper !== null && outlier.yUpper >= layout.margin.top - 1e-9, "the band is cut at the top edge");
  const step = layout.series[0].points[0].y - layout.series[0].points[3].y;
  assert.ok(step > 0.3 * (300 - 12 - 28), `the step is a third of the plot's height or more (${step} px)`);
});

test("the time extent spans every series", () => {
  const a = { benchmark: "a", measure: "latency", points: points([1, 2, 3]) };
  const b = { benchmark: "b", measure: "latency", points: points([1, 2, 3, 4, 5]) };
  assert.deepEqual(timeExtent([a, b]), [T0, T0 + 4 * 3600000]);
});

test("segments are cut at the change points with the median level of each", () => {
  const p = points([10, 11, 9, 10, 20, 21, 19]);
  assert.deepEqual(segments(p, [{ index: 4, change: 1, before: 10, after: 20 }]), [
    { start: 0, end: 4, level: 10 },
    { start: 4, end: 7, level: 20 },
  ]);
  assert.deepEqual(segments(p), [{ start: 0, end: 7, level: 11 }]);
  // Out-of-range and duplicate indices are ignored.
  assert.equal(segments(p, [{ index: 0, change: 0, before: 0, after: 0 }, { index: 99, change: 0, before: 0, after: 0 }]).length, 1);
  assert.equal(median([3, 1, 2, 4]), 2.5);
});

test("the layout puts a change-point marker at its first point's x", () => {
  const s = {
    benchmark: "parse",
    measure: "latency",
    branch: "main",
    points: points([10, 10, 10, 10, 20, 20]),
    changePoints: [{ index: 4, direction: "REGRESSION", change: 1, before: 10, after: 20 }],
  };
  const layout = layoutChart([s], { width: 600, height: 300 });
  const [laid] = layout.series;
  assert.equal(laid.points.length, 6);
  assert.equal(laid.points[0].x, layout.margin.left);
  assert.equal(laid.points[5].x, 600 - layout.margin.right);
  assert.equal(laid.changes.length, 1);
  assert.equal(laid.changes[0].x, laid.points[4].x);
  assert.equal(laid.segments.length, 2);
  assert.ok(laid.segments[1].y < laid.segments[0].y, "the slower segment is drawn higher");
  assert.ok(laid.points[0].yUpper !== null && laid.points[0].yUpper < laid.points[0].y);
});

test("two branches line up on time", () => {
  const main = { benchmark: "parse", measure: "latency", branch: "main", points: points([1, 1, 1, 1]) };
  const feature = { benchmark: "parse", measure: "latency", branch: "f", points: points([2, 2]).map((p, i) => ({ ...p, startTime: main.points[i + 2].startTime })) };
  const layout = layoutChart([main, feature], { width: 500, height: 200 });
  assert.equal(layout.series[1].points[0].x, layout.series[0].points[2].x);
  assert.notEqual(layout.series[0].color, layout.series[1].color);
});

test("the nearest point goes by x first and ignores far points", () => {
  const s = { benchmark: "parse", measure: "latency", points: points([10, 20, 30]) };
  const layout = layoutChart([s], { width: 400, height: 200 });
  const [a, b] = layout.series[0].points;
  assert.equal(nearestPoint(layout, a.x + 2, 0)?.index, 0);
  assert.equal(nearestPoint(layout, b.x - 3, b.y + 40)?.index, 1);
  assert.equal(nearestPoint(layout, (a.x + b.x) / 2 + 1, b.y, 200)?.index, 1);
  assert.equal(nearestPoint(layout, (a.x + b.x) / 2, b.y), null, "between two points, too far from both");
  assert.equal(nearestPoint(layout, a.x - 100, a.y), null);
});

test("values read like the rest of driftwatch", () => {
  assert.equal(formatValue(1_234_567, "latency"), "1.23 ms");
  assert.equal(formatValue(950, "latency"), "950 ns");
  assert.equal(formatValue(2.5e9, "latency"), "2.5 s");
  assert.equal(formatValue(12_345.6, "throughput"), "12,346 ops/s");
  assert.equal(formatValue(0.125, "rss"), "0.125");
  assert.equal(formatChange(0.2), "+20.0 %");
  assert.equal(formatChange(-0.05), "−5.0 %");
});

test("the flamegraph of a point is the one linked to its benchmark", () => {
  const p = { reportId: "r", startTime: "", value: 1, flamegraphs: [{ id: "a", fileName: "x", benchmark: "other" }, { id: "b", fileName: "y", benchmark: "parse" }] };
  assert.equal(flamegraphFor(p, "parse")?.id, "b");
  assert.equal(flamegraphFor(p, "none")?.id, "a");
  assert.equal(flamegraphFor({ ...p, flamegraphs: [] }, "parse"), null);
});

test("a click selects one point, a shift-click a second", () => {
  const a = { series: 0, index: 1 };
  const b = { series: 0, index: 4 };
  const c = { series: 1, index: 2 };
  assert.deepEqual(nextSelection([], a, false), [a]);
  assert.deepEqual(nextSelection([a], b, true), [a, b]);
  assert.deepEqual(nextSelection([a, b], c, true), [a, c]);
  assert.deepEqual(nextSelection([a, b], b, true), [a]);
  assert.deepEqual(nextSelection([a, b], c, false), [c]);
});

test("series are labelled by benchmark, branch and testbed", () => {
  assert.equal(seriesLabel({ benchmark: "p", measure: "latency", branch: "main", testbed: "ci", points: [] }), "p · main · ci");
  assert.equal(seriesLabel({ benchmark: "p", measure: "latency", label: "mine", points: [] }), "mine");
});

test("time ticks fall on whole hours or days", () => {
  const ticks = timeTicks(T0 + 17 * 60000, T0 + 37 * 3600000, 4);
  assert.ok(ticks.length >= 3 && ticks.length <= 5, String(ticks.length));
  for (const t of ticks) assert.equal(t % (3 * 3600000), 0);
  assert.equal(timeTickLabel(T0, 3 * 3600000), "11-01 12:00");
  assert.equal(timeTickLabel(T0, 86400000), "11-01");
  assert.deepEqual(timeTicks(T0, T0), [T0]);
  const days = timeTicks(T0, T0 + 30 * 86400000, 4);
  for (const t of days) assert.equal(t % 86400000, 0);
});
