// The data viewer's view as plain numbers and pure functions: the visible sample range
// (horizontal zoom and pan only; rows keep their height) and the vertical scroll. No DOM.

export const ROW_PX = 16; // flamegraph.pl's frame height (15) plus its 1 px gap
export const FONT_PX = 12; // never below 11 px: labels stay legible at any zoom
export const MIN_SPAN_SAMPLES = 1e-6;

/**
 * @typedef {object} RangeView
 * @property {number} lo First visible sample offset.
 * @property {number} hi One past the last visible sample offset.
 * @property {number} scrollTop Pixels of the content above the viewport's top.
 * @property {number} focus Frame zoomed into (-1 for none).
 */

/**
 * The whole graph.
 *
 * @param {number} total
 * @returns {RangeView}
 */
export function wholeRange(total) {
  return { lo: 0, hi: total, scrollTop: 0, focus: -1 };
}

/**
 * The range kept within [0, total] and at least MIN_SPAN_SAMPLES wide (or the whole when
 * wider than it).
 *
 * @param {RangeView} v
 * @param {number} total
 * @returns {RangeView}
 */
export function clampRange(v, total) {
  let span = Math.min(Math.max(v.hi - v.lo, Math.min(total, total * MIN_SPAN_SAMPLES)), total);
  if (!(span > 0)) span = total;
  let lo = Math.min(Math.max(v.lo, 0), total - span);
  if (!Number.isFinite(lo)) lo = 0;
  return { ...v, lo, hi: lo + span };
}

/**
 * Horizontal magnification: the whole width over the visible span (1 = whole graph).
 *
 * @param {RangeView} v
 * @param {number} total
 * @returns {number}
 */
export function magnification(v, total) {
  return total / (v.hi - v.lo);
}

/**
 * Zoom by `factor` around the sample under pixel `px` of a `width`-pixel canvas.
 *
 * @param {RangeView} v
 * @param {number} total
 * @param {number} factor > 1 zooms in.
 * @param {number} px
 * @param {number} width
 * @returns {RangeView}
 */
export function zoomRangeAt(v, total, factor, px, width) {
  const span = v.hi - v.lo;
  const at = v.lo + (px / width) * span;
  const next = Math.min(span / factor, total);
  const lo = at - (px / width) * next;
  return clampRange({ ...v, lo, hi: lo + next, focus: next >= total ? -1 : v.focus }, total);
}

/**
 * The range moved by `dx` pixels (a drag to the right shows what is left of it).
 *
 * @param {RangeView} v
 * @param {number} total
 * @param {number} dx
 * @param {number} width
 * @returns {RangeView}
 */
export function panRange(v, total, dx, width) {
  const shift = (-dx / width) * (v.hi - v.lo);
  return clampRange({ ...v, lo: v.lo + shift, hi: v.hi + shift }, total);
}

/**
 * The scroll kept within the content.
 *
 * @param {number} scrollTop
 * @param {number} contentPx
 * @param {number} viewPx
 * @returns {number}
 */
export function clampScroll(scrollTop, contentPx, viewPx) {
  return Math.min(Math.max(scrollTop, 0), Math.max(0, contentPx - viewPx));
}

/**
 * The content's height in pixels for `maxDepth`.
 *
 * @param {number} maxDepth
 * @returns {number}
 */
export function contentPx(maxDepth) {
  return (maxDepth + 1) * ROW_PX;
}

/**
 * Top of a row in viewport pixels. Flame: the root at the bottom; icicle: at the top.
 *
 * @param {number} depth
 * @param {number} maxDepth
 * @param {boolean} icicle
 * @param {number} scrollTop
 * @returns {number}
 */
export function rowTop(depth, maxDepth, icicle, scrollTop) {
  const y = icicle ? depth * ROW_PX : (maxDepth - depth) * ROW_PX;
  return y - scrollTop;
}

/**
 * The depth of the row at viewport pixel `y` (may be out of range).
 *
 * @param {number} y
 * @param {number} maxDepth
 * @param {boolean} icicle
 * @param {number} scrollTop
 * @returns {number}
 */
export function depthAtY(y, maxDepth, icicle, scrollTop) {
  const row = Math.floor((y + scrollTop) / ROW_PX);
  return icicle ? row : maxDepth - row;
}

/**
 * The scroll that shows the root: the bottom for a flame graph, the top for an icicle.
 *
 * @param {number} maxDepth
 * @param {number} viewPx
 * @param {boolean} icicle
 * @returns {number}
 */
export function homeScroll(maxDepth, viewPx, icicle) {
  return icicle ? 0 : clampScroll(Infinity, contentPx(maxDepth), viewPx);
}

/**
 * A label cut to `px` pixels with an ellipsis only when needed; "" when not even two
 * characters fit. `measure` gives a string's width in pixels.
 *
 * @param {string} name
 * @param {number} px
 * @param {(text: string) => number} measure
 * @param {number} [fullWidth] `measure(name)` when already known.
 * @returns {string}
 */
export function ellipsize(name, px, measure, fullWidth = measure(name)) {
  if (fullWidth <= px) return name;
  // Guess from the average glyph width, then step: one or two measurements, not a search.
  let k = Math.min(name.length - 1, Math.floor((px / fullWidth) * name.length));
  while (k >= 2 && measure(`${name.slice(0, k)}…`) > px) k--;
  while (k + 1 < name.length && measure(`${name.slice(0, k + 1)}…`) <= px) k++;
  return k >= 2 ? `${name.slice(0, k)}…` : "";
}
