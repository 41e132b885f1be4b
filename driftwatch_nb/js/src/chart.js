// The history chart's pure logic (no DOM): series shape, scales, ticks, segments between change
// points, the layout of every point and marker in pixels, and the nearest point to the pointer.
// `history.js` draws what `layoutChart` computes; the node tests check it here.

/**
 * @typedef {object} FlamegraphRef A flamegraph attached to a point's report.
 * @property {string} id
 * @property {string} fileName
 * @property {string | null} [benchmark]
 */

/**
 * @typedef {object} HistoryPoint One report's value in a series.
 * @property {string} reportId
 * @property {string | null} [gitHash]
 * @property {string} startTime ISO 8601.
 * @property {number} value
 * @property {number | null} [lower]
 * @property {number | null} [upper]
 * @property {FlamegraphRef[]} [flamegraphs]
 */

/**
 * @typedef {object} ChangePoint Where the series changed level.
 * @property {number} index Position in `points` of the first point at the new level.
 * @property {string} [direction] REGRESSION or IMPROVEMENT.
 * @property {number} change Relative change, after / before - 1.
 * @property {number} before
 * @property {number} after
 * @property {number} [pValue]
 */

/**
 * @typedef {object} Series One benchmark on one branch and testbed.
 * @property {string} benchmark
 * @property {string} measure
 * @property {string} [branch]
 * @property {string} [testbed]
 * @property {string} [label]
 * @property {boolean} [higherIsBetter]
 * @property {HistoryPoint[]} points
 * @property {ChangePoint[]} [changePoints]
 */

/**
 * @typedef {object} Scale A linear map from a domain to a pixel range.
 * @property {number} d0
 * @property {number} d1
 * @property {number} r0
 * @property {number} r1
 */

/** Colours of the series, in order (readable on white, distinct for the usual colour blindness). */
export const PALETTE = ["#1c7ed6", "#e8590c", "#2b8a3e", "#862e9c", "#c2255c", "#5c940d"];

/**
 * A series' display name.
 *
 * @param {Series} series
 * @returns {string}
 */
export function seriesLabel(series) {
  if (series.label) return series.label;
  const parts = [series.benchmark];
  if (series.branch) parts.push(series.branch);
  if (series.testbed) parts.push(series.testbed);
  return parts.join(" · ");
}

/**
 * Milliseconds since the epoch of an ISO time (NaN when unparseable).
 *
 * @param {string} iso
 * @returns {number}
 */
export function timeOf(iso) {
  return Date.parse(iso);
}

/**
 * @param {number} d0
 * @param {number} d1
 * @param {number} r0
 * @param {number} r1
 * @returns {Scale}
 */
export function linearScale(d0, d1, r0, r1) {
  if (d0 === d1) {
    // A single value: put it in the middle of the range.
    return { d0: d0 - 1, d1: d1 + 1, r0, r1 };
  }
  return { d0, d1, r0, r1 };
}

/**
 * @param {Scale} scale
 * @param {number} value
 * @returns {number}
 */
export function scaleAt(scale, value) {
  return scale.r0 + ((value - scale.d0) / (scale.d1 - scale.d0)) * (scale.r1 - scale.r0);
}

/**
 * About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart).
 *
 * @param {number} min
 * @param {number} max
 * @param {number} [count]
 * @returns {number[]}
 */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Steps a time axis may use, smallest first. */
export const TIME_STEPS = [
  MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY,
];

/**
 * About `count` round times (whole minutes, hours, days in UTC) within [t0, t1].
 *
 * @param {number} t0
 * @param {number} t1
 * @param {number} [count]
 * @returns {number[]}
 */
export function timeTicks(t0, t1, count = 5) {
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return [];
  if (t0 === t1) return [t0];
  const raw = (t1 - t0) / Math.max(1, count);
  const step = TIME_STEPS.find((s) => s >= raw) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

/**
 * A time tick's label: the date for steps of a day or more, else date and UTC time.
 *
 * @param {number} ms
 * @param {number} step Milliseconds between ticks.
 * @returns {string}
 */
export function timeTickLabel(ms, step) {
  const iso = new Date(ms).toISOString();
  return step >= DAY ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** How far the bands may widen the values' range, in values' spans on each side. */
export const BAND_ROOM = 1;

/**
 * The value range every series needs, padded 5 % and starting at zero when that costs less
 * than half the chart (a chart of latencies reads best from zero). Bands widen it by at most
 * `BAND_ROOM` spans of the values themselves: one run's slow outlier repeat (a band's upper
 * edge is often the slowest repeat) must not squash the series into a flat line.
 *
 * @param {Series[]} series
 * @returns {[number, number]}
 */
export function valueExtent(series) {
  let vlo = Infinity;
  let vhi = -Infinity;
  let blo = Infinity;
  let bhi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (typeof p.value === "number" && Number.isFinite(p.value)) {
        vlo = Math.min(vlo, p.value);
        vhi = Math.max(vhi, p.value);
      }
      for (const v of [p.lower, p.upper]) {
        if (typeof v === "number" && Number.isFinite(v)) {
          blo = Math.min(blo, v);
          bhi = Math.max(bhi, v);
        }
      }
    }
  }
  if (vlo === Infinity) return [0, 1];
  const span = vhi - vlo || Math.abs(vhi) || 1;
  let lo = Math.min(vlo, Math.max(blo, vlo - BAND_ROOM * span));
  const hi = Math.max(vhi, Math.min(bhi, vhi + BAND_ROOM * span));
  if (lo >= 0 && lo < hi && lo <= hi - lo) lo = 0;
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
  return [lo === 0 ? 0 : lo - pad, hi + pad];
}

/**
 * The time range of every series.
 *
 * @param {Series[]} series
 * @returns {[number, number]}
 */
export function timeExtent(series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      const t = timeOf(p.startTime);
      if (Number.isFinite(t)) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
    }
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

/**
 * The segments a series' change points cut it into: `[start, end)` point indices and the
 * median level of each (the detector's own summary of a segment).
 *
 * @param {HistoryPoint[]} points
 * @param {ChangePoint[]} [changePoints]
 * @returns {{ start: number, end: number, level: number }[]}
 */
export function segments(points, changePoints = []) {
  const cuts = [...new Set(changePoints.map((c) => c.index))]
    .filter((i) => i > 0 && i < points.length)
    .sort((a, b) => a - b);
  const bounds = [0, ...cuts, points.length];
  const out = [];
  for (let k = 0; k + 1 < bounds.length; k += 1) {
    const start = bounds[k];
    const end = bounds[k + 1];
    if (end <= start) continue;
    out.push({ start, end, level: median(points.slice(start, end).map((p) => p.value)) });
  }
  return out;
}

/**
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @typedef {object} LaidPoint A point placed on the chart.
 * @property {number} series Index of its series.
 * @property {number} index Index in its series' points.
 * @property {number} x
 * @property {number} y
 * @property {number | null} yLower
 * @property {number | null} yUpper
 * @property {HistoryPoint} point
 */

/**
 * @typedef {object} Layout Everything the chart draws, in pixels.
 * @property {number} width
 * @property {number} height
 * @property {{ top: number, right: number, bottom: number, left: number }} margin
 * @property {Scale} x
 * @property {Scale} y
 * @property {number[]} yTicks
 * @property {number[]} xTicks Times (ms).
 * @property {{ series: number, color: string, label: string, points: LaidPoint[],
 *   segments: { x0: number, x1: number, y: number, level: number }[],
 *   changes: { x: number, index: number, change: ChangePoint, point: HistoryPoint }[] }[]} series
 */

/**
 * Place every point, band, segment and change-point marker. The x axis is time, so series of
 * different branches line up; a change point's marker sits at its first point's x.
 *
 * @param {Series[]} series
 * @param {{ width: number, height: number, margin?: { top: number, right: number,
 *   bottom: number, left: number } }} size
 * @returns {Layout}
 */
export function layoutChart(series, size) {
  const margin = size.margin ?? { top: 12, right: 16, bottom: 28, left: 72 };
  const [t0, t1] = timeExtent(series);
  const [v0, v1] = valueExtent(series);
  const x = linearScale(t0, t1, margin.left, size.width - margin.right);
  const y = linearScale(v0, v1, size.height - margin.bottom, margin.top);
  const yTicks = niceTicks(y.d0, y.d1, 5).filter((t) => t >= y.d0 && t <= y.d1);
  const xTicks = timeTicks(t0, t1, Math.max(2, Math.floor(size.width / 160)));
  const laid = series.map((s, si) => {
    const points = s.points.map((p, index) => ({
      series: si,
      index,
      x: scaleAt(x, timeOf(p.startTime)),
      y: scaleAt(y, p.value),
      // Bands beyond the value range (see valueExtent) are cut at the plot's edge.
      yLower: typeof p.lower === "number" ? scaleAt(y, Math.max(p.lower, v0)) : null,
      yUpper: typeof p.upper === "number" ? scaleAt(y, Math.min(p.upper, v1)) : null,
      point: p,
    }));
    const segs = segments(s.points, s.changePoints).map((g) => ({
      x0: points[g.start].x,
      x1: points[g.end - 1].x,
      y: scaleAt(y, g.level),
      level: g.level,
    }));
    const changes = (s.changePoints ?? [])
      .filter((c) => c.index >= 0 && c.index < points.length)
      .map((c) => ({ x: points[c.index].x, index: c.index, change: c, point: s.points[c.index] }));
    return {
      series: si,
      color: PALETTE[si % PALETTE.length],
      label: seriesLabel(s),
      points,
      segments: segs,
      changes,
    };
  });
  return { width: size.width, height: size.height, margin, x, y, yTicks, xTicks, series: laid };
}

/**
 * The point nearest the pointer (by x first, the way people scan a time chart; then y), or
 * null when none is within `radius` pixels horizontally.
 *
 * @param {Layout} layout
 * @param {number} px
 * @param {number} py
 * @param {number} [radius]
 * @returns {LaidPoint | null}
 */
export function nearestPoint(layout, px, py, radius = 24) {
  /** @type {LaidPoint | null} */
  let best = null;
  let bestScore = Infinity;
  for (const s of layout.series) {
    for (const p of s.points) {
      const dx = Math.abs(p.x - px);
      if (dx > radius) continue;
      const score = dx * dx + 0.25 * (p.y - py) * (p.y - py);
      if (score < bestScore) {
        best = p;
        bestScore = score;
      }
    }
  }
  return best;
}

const NS_UNITS = /** @type {const} */ ([
  [1e9, "s"],
  [1e6, "ms"],
  [1e3, "µs"],
  [1, "ns"],
]);

/**
 * A value as people read it: latency in ns to s/ms/µs/ns, throughput as ops/s, others plain.
 * Three significant digits, like `driftwatch_nb.core.measures`.
 *
 * @param {number} value
 * @param {string} measure
 * @returns {string}
 */
export function formatValue(value, measure) {
  if (!Number.isFinite(value)) return "–";
  if (measure === "latency") {
    const abs = Math.abs(value);
    const [factor, unit] = NS_UNITS.find(([f]) => abs >= f) ?? NS_UNITS[3];
    return `${significant(value / factor)} ${unit}`;
  }
  const text = significant(value);
  return measure === "throughput" ? `${text} ops/s` : text;
}

/**
 * @param {number} value
 * @returns {string}
 */
function significant(value) {
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

/**
 * A relative change as a signed percentage: 0.2 -> "+20.0 %".
 *
 * @param {number} change
 * @returns {string}
 */
export function formatChange(change) {
  if (!Number.isFinite(change)) return "–";
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${Math.abs(change * 100).toFixed(1)} %`;
}

/**
 * The flamegraph to open for a point: the one linked to the series' benchmark, else the first.
 *
 * @param {HistoryPoint} point
 * @param {string} benchmark
 * @returns {FlamegraphRef | null}
 */
export function flamegraphFor(point, benchmark) {
  const all = point.flamegraphs ?? [];
  return all.find((f) => f.benchmark === benchmark) ?? all[0] ?? null;
}

/**
 * The next selection after a click: a plain click selects one point, a shift-click adds a
 * second (two at most: the older kept, the newest replaced).
 *
 * @param {{ series: number, index: number }[]} current
 * @param {{ series: number, index: number }} clicked
 * @param {boolean} add
 * @returns {{ series: number, index: number }[]}
 */
export function nextSelection(current, clicked, add) {
  const same = (/** @type {{ series: number, index: number }} */ a) =>
    a.series === clicked.series && a.index === clicked.index;
  if (!add) return [clicked];
  if (current.some(same)) return current.filter((a) => !same(a));
  return [...current.slice(0, 1), clicked];
}
