// Frame search: the pattern as a case-insensitive regex, and the matched percentage computed
// the way flamegraph.pl does. No DOM.

import { errorText } from "./format.js";

/**
 * Compile what was typed in the search box: case-insensitive unless `caseSensitive`.
 *
 * @param {string} pattern
 * @param {boolean} [caseSensitive]
 * @returns {{ re: RegExp, error: null } | { re: null, error: string }} The error is the text
 *   the toolbar shows ("Invalid regex: ...").
 */
export function compilePattern(pattern, caseSensitive = false) {
  try {
    return { re: new RegExp(pattern, caseSensitive ? "" : "i"), error: null };
  } catch (err) {
    return { re: null, error: `Invalid regex: ${errorText(err).replace(/^Invalid regular expression: /, "")}` };
  }
}

/**
 * @typedef {object} SearchFrames
 * @property {number} n
 * @property {ArrayLike<string>} names Function names.
 * @property {ArrayLike<number>} xs Offsets (samples, or layout units without fg:x).
 * @property {ArrayLike<number>} ws Widths in the same units.
 * @property {number} total What 100% is in those units.
 */

/**
 * Percentage of samples covered by frames matching `re`, the way flamegraph.pl computes it:
 * sum of widths of the top-most non-overlapping matches divided by the total.
 *
 * @param {SearchFrames} frames
 * @param {RegExp} re Pattern tested against function names.
 * @returns {{ percent: number, hits: Uint8Array }} `hits[i]` is 1 for matching frames.
 */
export function matchFrames({ n, names, xs, ws, total }, re) {
  const hits = new Uint8Array(n);
  /** @type {Map<number, number>} */
  const widest = new Map();
  for (let i = 0; i < n; i++) {
    if (!re.test(names[i])) continue;
    hits[i] = 1;
    const prev = widest.get(xs[i]);
    if (prev === undefined || ws[i] > prev) widest.set(xs[i], ws[i]);
  }
  const keys = Array.from(widest.keys()).sort((a, b) => a - b);
  const fudge = total * 1e-7;
  let count = 0;
  let lastX = -Infinity;
  let lastW = 0;
  for (const x of keys) {
    const w = /** @type {number} */ (widest.get(x));
    if (x >= lastX + lastW - fudge) {
      count += w;
      lastX = x;
      lastW = w;
    }
  }
  return { percent: total > 0 ? (100 * count) / total : 0, hits };
}

/**
 * The search view of a frame index: sample offsets when the SVG has them (fg:x/fg:w), layout
 * otherwise.
 *
 * @param {import("./frames.js").FrameIndex} fi
 * @param {string[]} names
 * @returns {SearchFrames}
 */
export function searchFramesOf(fi, names) {
  return {
    n: fi.n,
    names,
    xs: fi.sx || fi.xs,
    ws: fi.sw || fi.ws,
    total: fi.sw ? fi.totalSamples : fi.width,
  };
}
