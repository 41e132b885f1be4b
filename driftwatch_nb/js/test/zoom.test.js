import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ZOOM_MAX,
  ZOOM_MIN,
  clampView,
  contentHeight,
  fitWidth,
  homeView,
  initialView,
  isDrag,
  isWholeGraph,
  keepRowAt,
  naturalSize,
  panTo,
  rescaleFrame,
  scaleOf,
  screenYOf,
  transformOf,
  wheelFactor,
  zoomAt,
} from "../src/zoom.js";

const vp = { w: 1000, h: 400 };
/** A 1200 x 960 SVG fitted into a 1000 x 400 viewport: base 5/6, content 800 px tall. */
const fitted = () => fitWidth({ ...initialView(), naturalW: 1200, naturalH: 960 }, vp.w);

test("fitWidth and contentHeight", () => {
  const v = fitted();
  assert.equal(v.base, 1000 / 1200);
  assert.equal(contentHeight(v), 800);
  assert.equal(scaleOf({ ...v, zoom: 2 }), 2000 / 1200);
});

test("homeView: a tall flamegraph starts at its root (bottom), an icicle at the top", () => {
  const below = homeView({ ...fitted(), zoom: 3, tx: -50 }, vp.h, true);
  assert.deepEqual([below.zoom, below.tx, below.ty, below.atHome], [1, 0, -400, true]);
  assert.equal(homeView(fitted(), vp.h, false).ty, 0);
  assert.equal(homeView(fitted(), 900, true).ty, 0); // fits: no scrolling
});

test("clampView: content covers the viewport when larger, stays inside when smaller", () => {
  const v = fitted(); // 1000 x 800 on screen
  assert.deepEqual([clampView({ ...v, tx: 50, ty: 50 }, vp).tx, clampView({ ...v, tx: 50, ty: 50 }, vp).ty], [0, 0]);
  assert.equal(clampView({ ...v, ty: -1000 }, vp).ty, -400);
  const small = { ...v, zoom: 0.5 }; // 500 x 400
  const c = clampView({ ...small, tx: 900, ty: -5 }, vp);
  assert.deepEqual([c.tx, c.ty], [500, 0]);
  const same = { ...v, tx: 0, ty: -100 };
  assert.equal(clampView(same, vp), same); // unchanged: the same object
});

test("zoomAt keeps the point under the pointer still and stays within the limits", () => {
  const v = { ...fitted(), tx: -10, ty: -20 };
  const z = zoomAt(v, 2, 300, 100);
  assert.equal(z.zoom, 2);
  assert.equal(z.atHome, false);
  // the SVG point under (300, 100) before and after
  const before = [(300 - v.tx) / scaleOf(v), (100 - v.ty) / scaleOf(v)];
  const after = [(300 - z.tx) / scaleOf(z), (100 - z.ty) / scaleOf(z)];
  assert.ok(Math.abs(before[0] - after[0]) < 1e-9 && Math.abs(before[1] - after[1]) < 1e-9);
  assert.equal(zoomAt(v, 1e6, 0, 0).zoom, ZOOM_MAX);
  assert.equal(zoomAt(v, 1e-6, 0, 0).zoom, ZOOM_MIN);
  const top = { ...v, zoom: ZOOM_MAX };
  assert.equal(zoomAt(top, 2, 0, 0), top); // nothing to do: the same object
});

test("panTo, keepRowAt, screenYOf and transformOf", () => {
  const p = panTo(fitted(), 12, -34);
  assert.deepEqual([p.tx, p.ty, p.atHome], [12, -34, false]);
  const v = { ...fitted(), zoom: 2, tx: 5, ty: -30 };
  const y = screenYOf(v, 600);
  assert.equal(y, 600 * scaleOf(v) - 30);
  const k = keepRowAt(v, y, 600);
  assert.deepEqual([k.zoom, k.tx, k.atHome], [1, 0, false]);
  assert.ok(Math.abs(screenYOf(k, 600) - y) < 1e-9);
  assert.equal(transformOf({ ...initialView(), tx: 1, ty: 2, base: 0.5, zoom: 3 }), "translate(1px, 2px) scale(1.5)");
});

test("wheelFactor: pixel, line and page deltas; up zooms in", () => {
  assert.ok(wheelFactor(-100, 0) > 1 && wheelFactor(100, 0) < 1);
  assert.equal(wheelFactor(0, 0), 1);
  assert.ok(Math.abs(wheelFactor(-3, 1) - wheelFactor(-48, 0)) < 1e-12);
  assert.ok(Math.abs(wheelFactor(1, 2) - wheelFactor(400, 0)) < 1e-12);
  assert.ok(Math.abs(wheelFactor(-100, 0) * wheelFactor(100, 0) - 1) < 1e-12);
});

test("isDrag: four pixels in any direction", () => {
  assert.equal(isDrag(3, 0), false);
  assert.equal(isDrag(2, 2), false);
  assert.equal(isDrag(0, -4), true);
  assert.equal(isDrag(3, 3), true);
});

test("frame zoom geometry: the frame fills the root's width, outside frames are dropped", () => {
  const span = { x0: 10, width: 1180, fx: 305, fw: 295 }; // a quarter of the root
  assert.equal(isWholeGraph(span), false);
  assert.equal(isWholeGraph({ ...span, fx: 10, fw: 1180 }), true);
  assert.deepEqual(rescaleFrame(span, 305, 295), { x: 10, w: 1180 }); // itself
  const child = rescaleFrame(span, 305 + 59, 118); // a tenth of the root inside it
  assert.ok(child && Math.abs(child.x - (10 + 236)) < 1e-9 && Math.abs(child.w - 472) < 1e-9);
  const parent = rescaleFrame(span, 10, 1180); // an ancestor: clipped to the root's span
  assert.deepEqual(parent, { x: 10, w: 1180 });
  assert.equal(rescaleFrame(span, 10, 295), null); // left neighbour, touching
  assert.equal(rescaleFrame(span, 600, 50), null); // right neighbour, touching
});

test("naturalSize: viewBox first, then width/height, then 1200 x 800", () => {
  const attrs = (a) => (name) => (name in a ? a[name] : null);
  assert.deepEqual(naturalSize(attrs({ viewBox: "0 0 1200 566", width: "100%" })), { w: 1200, h: 566, viewBox: false });
  assert.deepEqual(naturalSize(attrs({ viewBox: "0,0,10,20" })), { w: 10, h: 20, viewBox: false });
  assert.deepEqual(naturalSize(attrs({ width: "900", height: "300" })), { w: 900, h: 300, viewBox: true });
  assert.deepEqual(naturalSize(attrs({ viewBox: "0 0 0 10", width: "100%", height: "250px" })), { w: 1200, h: 250, viewBox: true });
  assert.deepEqual(naturalSize(attrs({})), { w: 1200, h: 800, viewBox: true });
});
