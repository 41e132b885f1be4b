// Zoom and pan as a plain state object and pure functions: the viewer keeps one `View`, each
// function returns the next one, and only viewer.js writes it to the DOM.

export const ZOOM_MIN = 0.25;
export const ZOOM_MAX = 200;
export const ZOOM_STEP = 1.25;
export const DRAG_THRESHOLD_PX = 4;

/**
 * @typedef {object} View
 * @property {number} naturalW The SVG's width in its own units.
 * @property {number} naturalH The SVG's height in its own units.
 * @property {number} base Scale that fits the SVG's width into the viewport.
 * @property {number} zoom Zoom on top of `base` (1 = fitted).
 * @property {number} tx Translation in CSS pixels.
 * @property {number} ty
 * @property {boolean} atHome Untouched since the last reset (a resize fits it again).
 */

/** @typedef {{ w: number, h: number }} Size */

/**
 * The view before anything is loaded.
 *
 * @returns {View}
 */
export function initialView() {
  return { naturalW: 1200, naturalH: 800, base: 1, zoom: 1, tx: 0, ty: 0, atHome: true };
}

/**
 * An SVG's size in its own units: its viewBox, else its width and height (not percentages),
 * else 1200 x 800. `viewBox` is true when the SVG has none and one is to be added.
 *
 * @param {(name: string) => string | null} getAttribute The <svg> element's attribute reader.
 * @returns {{ w: number, h: number, viewBox: boolean }}
 */
export function naturalSize(getAttribute) {
  const vb = (getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
  if (vb.length === 4 && vb.every(Number.isFinite) && vb[2] > 0 && vb[3] > 0) {
    return { w: vb[2], h: vb[3], viewBox: false };
  }
  const w = parseFloat(getAttribute("width") || "");
  const h = parseFloat(getAttribute("height") || "");
  /** @param {number} v @param {string} a */
  const ok = (v, a) => Number.isFinite(v) && v > 0 && !String(getAttribute(a)).includes("%");
  return { w: ok(w, "width") ? w : 1200, h: ok(h, "height") ? h : 800, viewBox: true };
}

/**
 * The same view with `base` fitted to a viewport width.
 *
 * @param {View} view
 * @param {number} viewportW
 * @returns {View}
 */
export function fitWidth(view, viewportW) {
  return { ...view, base: viewportW / view.naturalW };
}

/**
 * The scale the stage is drawn at.
 *
 * @param {View} view
 * @returns {number}
 */
export function scaleOf(view) {
  return view.base * view.zoom;
}

/**
 * The canvas height that shows the whole fitted SVG, in CSS pixels.
 *
 * @param {View} view
 * @returns {number}
 */
export function contentHeight(view) {
  return view.naturalH * view.base;
}

/**
 * The view with its translation kept inside the viewport: content smaller than the viewport
 * stays within it, larger content always covers it.
 *
 * @param {View} view
 * @param {Size} vp Viewport size.
 * @returns {View}
 */
export function clampView(view, vp) {
  const s = scaleOf(view);
  const cw = view.naturalW * s;
  const ch = view.naturalH * s;
  const tx = cw <= vp.w ? Math.min(Math.max(view.tx, 0), vp.w - cw) : Math.min(Math.max(view.tx, vp.w - cw), 0);
  const ty = ch <= vp.h ? Math.min(Math.max(view.ty, 0), vp.h - ch) : Math.min(Math.max(view.ty, vp.h - ch), 0);
  return tx === view.tx && ty === view.ty ? view : { ...view, tx, ty };
}

/**
 * The CSS transform of the stage.
 *
 * @param {View} view
 * @returns {string}
 */
export function transformOf(view) {
  return `translate(${view.tx}px, ${view.ty}px) scale(${scaleOf(view)})`;
}

/**
 * The fitted view: zoom 1, left edge, and the root in sight (flamegraphs grow upwards from the
 * root at the bottom, so a tall one starts scrolled to the bottom).
 *
 * @param {View} view With `base` already fitted.
 * @param {number} viewportH
 * @param {boolean} rootBelow
 * @returns {View}
 */
export function homeView(view, viewportH, rootBelow) {
  const ch = contentHeight(view);
  const ty = ch > viewportH && rootBelow ? viewportH - ch : 0;
  return { ...view, zoom: 1, tx: 0, ty, atHome: true };
}

/**
 * Zoom by `factor` keeping the point (px, py) of the viewport still; the zoom stays within
 * ZOOM_MIN..ZOOM_MAX. Returns the same object when nothing changes.
 *
 * @param {View} view
 * @param {number} factor
 * @param {number} px
 * @param {number} py
 * @returns {View}
 */
export function zoomAt(view, factor, px, py) {
  const next = Math.min(Math.max(view.zoom * factor, ZOOM_MIN), ZOOM_MAX);
  if (next === view.zoom) return view;
  const ratio = next / view.zoom;
  return {
    ...view,
    zoom: next,
    tx: px - (px - view.tx) * ratio,
    ty: py - (py - view.ty) * ratio,
    atHome: false,
  };
}

/**
 * The view moved to a translation (a drag).
 *
 * @param {View} view
 * @param {number} tx
 * @param {number} ty
 * @returns {View}
 */
export function panTo(view, tx, ty) {
  return { ...view, tx, ty, atHome: false };
}

/**
 * After a frame zoom (the frame now fills the width), the fitted view that keeps the frame's
 * row at the height it was clicked at.
 *
 * @param {View} view With `base` already fitted.
 * @param {number} screenY Where the frame's row was on screen.
 * @param {number} frameY The frame's y in SVG units.
 * @returns {View}
 */
export function keepRowAt(view, screenY, frameY) {
  return { ...view, zoom: 1, tx: 0, ty: screenY - frameY * view.base, atHome: false };
}

/**
 * Where a frame's row is on screen, in CSS pixels from the viewport's top.
 *
 * @param {View} view
 * @param {number} frameY
 * @returns {number}
 */
export function screenYOf(view, frameY) {
  return frameY * scaleOf(view) + view.ty;
}

/**
 * The zoom factor of one wheel event (exponential, so it feels the same at every zoom).
 *
 * @param {number} deltaY
 * @param {number} deltaMode 0 pixels, 1 lines, 2 pages.
 * @returns {number}
 */
export function wheelFactor(deltaY, deltaMode) {
  const unit = deltaMode === 1 ? 16 : deltaMode === 2 ? 400 : 1;
  return Math.exp(-deltaY * unit * 0.0015);
}

/**
 * Whether a pointer has moved far enough from where it went down to be a drag.
 *
 * @param {number} dx
 * @param {number} dy
 * @returns {boolean}
 */
export function isDrag(dx, dy) {
  return Math.hypot(dx, dy) >= DRAG_THRESHOLD_PX;
}

// -- frame zoom geometry (flamegraph.pl-style: the clicked frame fills the width) -------------

/**
 * @typedef {object} FrameSpan
 * @property {number} x0 The root's x.
 * @property {number} width The root's width.
 * @property {number} fx The zoomed frame's x.
 * @property {number} fw The zoomed frame's width.
 */

/**
 * Whether the frame (fx, fw) is the whole graph, so zooming to it means undoing the zoom.
 *
 * @param {FrameSpan} span
 * @returns {boolean}
 */
export function isWholeGraph({ x0, width, fx, fw }) {
  return Math.abs(fw - width) < 1e-9 * Math.max(1, width) && Math.abs(fx - x0) < 1e-9;
}

/**
 * Where frame (xj, wj) goes when frame (fx, fw) is stretched over the root's width, or null
 * when it lies outside the zoomed range (and is hidden).
 *
 * @param {FrameSpan} span
 * @param {number} xj
 * @param {number} wj
 * @returns {{ x: number, w: number } | null}
 */
export function rescaleFrame({ x0, width, fx, fw }, xj, wj) {
  const eps = width * 1e-9;
  if (xj + wj <= fx + eps || xj >= fx + fw - eps) return null;
  const ratio = width / fw;
  let nx = x0 + (xj - fx) * ratio;
  let nr = nx + wj * ratio;
  if (nx < x0) nx = x0;
  if (nr > x0 + width) nr = x0 + width;
  return { x: nx, w: nr - nx };
}
