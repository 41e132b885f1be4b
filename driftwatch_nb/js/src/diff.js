// Two selected history points as a flamegraph diff, without the DOM: which side is the base
// (the older point, whatever the click order), whether the pair can be compared, and the rows
// of the functions table. `diffpanel.js` draws them; the notebook widget and the dashboard's
// benchmark page both use it.

/**
 * @typedef {object} FunctionChange One function of a flamegraph diff (GraphQL `FunctionDiff`).
 * @property {string} name
 * @property {number} baseSelf
 * @property {number} headSelf
 * @property {number} deltaSelf
 * @property {number | null} [relativeSelf]
 */

/**
 * @typedef {object} DiffResult What the panel shows (GraphQL `FlamegraphDiff`, less the SVG).
 * @property {string} summary
 * @property {boolean} [normalized] Fractions of all samples (default) or raw sample counts.
 * @property {FunctionChange[]} functions Largest change in self time first.
 */

/**
 * @typedef {object} DiffSide
 * @property {string} flamegraphId
 * @property {string} reportId
 * @property {string} label Benchmark, branch and short commit, for people.
 */

/**
 * @typedef {{ ok: true, base: DiffSide, head: DiffSide } | { ok: false, reason: string }} DiffPair
 */

/**
 * A selected point, as `history.js` hands it out (only what the diff needs).
 *
 * @typedef {object} PickedPoint
 * @property {{ benchmark: string, branch?: string }} seriesData
 * @property {{ reportId: string, startTime: string, gitHash?: string | null }} point
 * @property {{ id: string } | null} flamegraph
 */

/**
 * A point for people: "parse · main · abc1234567" (the report id when there is no commit).
 *
 * @param {PickedPoint} picked
 * @returns {string}
 */
export function pointLabel(picked) {
  const p = picked.point;
  return [picked.seriesData.benchmark, picked.seriesData.branch, p.gitHash ? p.gitHash.slice(0, 10) : p.reportId.slice(0, 8)]
    .filter(Boolean)
    .join(" · ");
}

/**
 * The two selected points as base (older) and head (newer), or why they cannot be compared.
 *
 * @param {PickedPoint[]} picked Exactly two points, in click order.
 * @returns {DiffPair}
 */
export function diffPair(picked) {
  if (picked.length !== 2) return { ok: false, reason: "select two points to compare them" };
  const [older, newer] = [...picked].sort(
    (a, b) => Date.parse(a.point.startTime) - Date.parse(b.point.startTime),
  );
  const missing = [older, newer].filter((p) => !p.flamegraph);
  if (missing.length) {
    return {
      ok: false,
      reason: `no flamegraph to compare for ${missing.map(pointLabel).join(" and ")}`,
    };
  }
  const base = /** @type {{ id: string }} */ (older.flamegraph);
  const head = /** @type {{ id: string }} */ (newer.flamegraph);
  if (base.id === head.id) return { ok: false, reason: "both points show the same flamegraph" };
  return {
    ok: true,
    base: { flamegraphId: base.id, reportId: older.point.reportId, label: pointLabel(older) },
    head: { flamegraphId: head.id, reportId: newer.point.reportId, label: pointLabel(newer) },
  };
}

/**
 * @param {number} value
 * @param {boolean} normalized
 * @returns {string}
 */
function share(value, normalized) {
  return normalized ? `${(value * 100).toFixed(1)} %` : Math.round(value).toLocaleString("en-US");
}

/**
 * The functions table's text: self time before and after, and the change (percentage points
 * of all samples when normalized, else samples), with the relative change of self time.
 * Functions with no self time on either side (callers only: their change is their callees')
 * are left out.
 *
 * @param {DiffResult} diff
 * @returns {{ name: string, before: string, after: string, change: string, grew: boolean }[]}
 */
export function diffRows(diff) {
  const normalized = diff.normalized ?? true;
  return diff.functions.filter((f) => f.baseSelf !== 0 || f.headSelf !== 0).map((f) => {
    const sign = f.deltaSelf > 0 ? "+" : f.deltaSelf < 0 ? "−" : "±";
    const amount = normalized
      ? `${sign}${Math.abs(f.deltaSelf * 100).toFixed(1)} pts`
      : `${sign}${Math.abs(Math.round(f.deltaSelf)).toLocaleString("en-US")} samples`;
    const relative =
      typeof f.relativeSelf === "number" && Number.isFinite(f.relativeSelf)
        ? ` (${f.relativeSelf > 0 ? "+" : f.relativeSelf < 0 ? "−" : "±"}${Math.abs(f.relativeSelf * 100).toFixed(0)} %)`
        : f.baseSelf === 0 && f.headSelf > 0
          ? " (new)"
          : "";
    return {
      name: f.name,
      before: share(f.baseSelf, normalized),
      after: share(f.headSelf, normalized),
      change: amount + relative,
      grew: f.deltaSelf > 0,
    };
  });
}
