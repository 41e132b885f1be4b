// Frame zoom in the DOM: rewrites the x/width/labels of the frames under the clicked one (and
// its ancestors) and hides the others. Hidden frames keep their layout (visibility), so undoing
// is cheap; when all frames share one parent (flamegraph.pl, inferno, py-spy) they are hidden
// by one class on the stage rather than one class per frame. Nothing here reads layout, so the
// browser lays out once, after the writes.

import { fitLabel } from "./format.js";
import { frameNames, rootIsBelow } from "./frames.js";
import { rescaleFrame } from "./zoom.js";

// Per-frame zoom state bits (FrameIndex.state).
export const F_MODIFIED = 1; // x/width/label rewritten; originals saved
export const F_IN = 2; // carries dw-frame-in (grouped layouts)
export const F_HIDDEN = 4; // carries dw-frame-hidden (other layouts)

/** @typedef {import("./frames.js").FrameIndex} FrameIndex */

/**
 * @param {FrameIndex} fi
 * @param {number} j
 */
function captureOriginal(fi, j) {
  if (!fi.orig || !fi.label) {
    const n = fi.n;
    fi.orig = { rx: new Array(n), rw: new Array(n), txs: new Array(n), labels: new Array(n) };
    fi.label = new Array(n); // label currently drawn, to skip writes that change nothing
  }
  const { orig, rects, texts, label } = fi;
  orig.rx[j] = rects[j].getAttribute("x");
  orig.rw[j] = rects[j].getAttribute("width");
  const t = texts[j];
  orig.txs[j] = t ? t.getAttribute("x") : null;
  orig.labels[j] = t ? t.textContent : null;
  label[j] = orig.labels[j];
}

/**
 * @param {FrameIndex} fi
 * @param {number} j
 */
function restoreFrame(fi, j) {
  const { rects, texts, els, orig, label, state } = fi;
  const s = state[j];
  if (s & F_MODIFIED && orig && label) {
    const rx = orig.rx[j];
    if (rx === null) rects[j].removeAttribute("x");
    else rects[j].setAttribute("x", rx);
    rects[j].setAttribute("width", orig.rw[j] ?? "");
    const t = texts[j];
    if (t) {
      const txj = orig.txs[j];
      if (txj !== null) t.setAttribute("x", txj);
      if (label[j] !== orig.labels[j]) t.textContent = orig.labels[j];
      label[j] = orig.labels[j];
    }
    els[j].classList.remove("dw-frame-parent");
  }
  if (s & F_IN) els[j].classList.remove("dw-frame-in");
  if (s & F_HIDDEN) els[j].classList.remove("dw-frame-hidden");
  state[j] = 0;
}

/**
 * Undo every frame rewrite.
 *
 * @param {FrameIndex} fi
 * @param {Element} stage Carries dw-zoomed while a grouped layout is zoomed.
 */
export function restoreFrames(fi, stage) {
  stage.classList.remove("dw-zoomed");
  const { state, n } = fi;
  for (let j = 0; j < n; j++) if (state[j]) restoreFrame(fi, j);
}

/**
 * Stretch frame `i` over the whole width.
 *
 * @param {FrameIndex} fi
 * @param {number} i
 * @param {object} ctx
 * @param {Element} ctx.stage
 * @param {number} ctx.fontPx Label font size, for fitting labels.
 * @param {number} ctx.naturalH The SVG's height, to tell flamegraphs from icicles.
 * @returns {number} The frame zoom ratio (root width / frame width).
 */
export function applyFrameZoom(fi, i, { stage, fontPx, naturalH }) {
  const { xs, ws, ys, els, rects, texts, state, unit, x0, width, pxPerUnit, textDx, grouped } = fi;
  const names = frameNames(fi);
  const span = { x0, width, fx: xs[i], fw: ws[i] };
  const fy = ys[i];
  const below = rootIsBelow(fi, naturalH);
  for (let j = 0; j < fi.n; j++) {
    const s = state[j];
    const to = rescaleFrame(span, xs[j], ws[j]);
    if (!to) {
      // Outside the zoomed range: hidden (its attributes may stay rewritten until reset).
      if (grouped) {
        if (s & F_IN) {
          els[j].classList.remove("dw-frame-in");
          state[j] = s & ~F_IN;
        }
      } else if (!(s & F_HIDDEN)) {
        els[j].classList.add("dw-frame-hidden");
        state[j] = s | F_HIDDEN;
      }
      continue;
    }
    if (grouped) {
      if (!(s & F_IN)) els[j].classList.add("dw-frame-in");
    } else if (s & F_HIDDEN) {
      els[j].classList.remove("dw-frame-hidden");
    }
    if (!(s & F_MODIFIED)) captureOriginal(fi, j);
    state[j] = (grouped ? F_IN : 0) | F_MODIFIED;
    rects[j].setAttribute("x", `${to.x.toFixed(4)}${unit}`);
    rects[j].setAttribute("width", `${to.w.toFixed(4)}${unit}`);
    const t = texts[j];
    const drawn = /** @type {(string | null)[]} */ (fi.label);
    if (t) {
      t.setAttribute("x", `${(to.x + textDx).toFixed(4)}${unit}`);
      const label = fitLabel(names[j], to.w * pxPerUnit, fontPx);
      if (label !== drawn[j]) {
        t.textContent = label;
        drawn[j] = label;
      }
    }
    const parent = j !== i && (below ? ys[j] > fy : ys[j] < fy);
    els[j].classList.toggle("dw-frame-parent", parent);
  }
  if (grouped) stage.classList.add("dw-zoomed");
  return width / span.fw;
}
