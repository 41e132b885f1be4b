// mountStacksViewer: the flamegraph drawn from its folded stacks on a <canvas> (no author
// markup ever enters the page). The tree and every number come from stacks.js; the view
// (visible sample range, scroll) from range.js; this file draws only the visible frames,
// devicePixelRatio aware, and wires the toolbar, the functions table and the diff legend.

import { buildViewerDom, downloadBytes, el } from "./dom.js";
import { acquireSvg } from "./fetch.js";
import { DEFAULT_FILE_NAME, errorText, fileNameFromUrl, formatPercent, round4, zoomLabel } from "./format.js";
import { createFullscreen } from "./fullscreen.js";
import {
  FONT_PX,
  ROW_PX,
  clampRange,
  clampScroll,
  contentPx,
  depthAtY,
  ellipsize,
  homeScroll,
  magnification,
  panRange,
  rowTop,
  wholeRange,
  zoomRangeAt,
} from "./range.js";
import {
  buildTreeAsync,
  DIFF_NEUTRAL,
  describeFrame,
  diffColour,
  firstEndingAfter,
  frameAt,
  functionsOf,
  hotColour,
  searchTree,
  selfDeltas,
  sortFunctions,
} from "./stacks.js";
import { compilePattern } from "./search.js";
import { ZOOM_STEP, isDrag, wheelFactor } from "./zoom.js";

const SEARCH_DEBOUNCE_MS = 150;
const DEFAULT_HEIGHT = 480;
const MATCH_PIXEL = rgbPixel("rgb(230,0,230)");
const MAX_TABLE_ROWS = 500;
const MIN_DRAWN_PX = 0.35;
const FONT = `${FONT_PX}px Verdana, "DejaVu Sans", "Liberation Sans", Arial, sans-serif`;

/**
 * "rgb(r,g,b)" as a little-endian RGBA pixel, opaque.
 *
 * @param {string} rgb
 * @returns {number}
 */
function rgbPixel(rgb) {
  const [r, g, b] = (rgb.match(/\d+/g) || ["0", "0", "0"]).map(Number);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/**
 * A pixel mixed 55/45 with white: the ancestors of a zoomed frame, drawn faded.
 *
 * @param {number} c
 * @returns {number}
 */
function fadePixel(c) {
  const mix = (/** @type {number} */ v) => Math.round(v * 0.55 + 255 * 0.45);
  return ((255 << 24) | (mix((c >>> 16) & 255) << 16) | (mix((c >>> 8) & 255) << 8) | mix(c & 255)) >>> 0;
}

/**
 * @typedef {object} StacksViewerState What survives a re-render of the widget.
 * @property {"flame" | "icicle"} mode
 * @property {number} lo
 * @property {number} hi
 * @property {number} scrollTop
 * @property {number} focus
 * @property {string} search
 * @property {boolean} caseSensitive
 * @property {boolean} table
 */

/**
 * @typedef {object} StacksViewerOptions
 * @property {string} folded Folded stacks ("a;b;c 12" per line); the head of a diff.
 * @property {string} [base] Folded stacks of the base: differential mode.
 * @property {"head" | "base"} [shape] Which side sizes a diff's frames (default head).
 * @property {"flame" | "icicle"} [mode] Default flame (root at the bottom).
 * @property {string} [url] Signed URL of the original SVG, for the download button only.
 * @property {string} [fileName]
 * @property {() => Promise<string>} [refreshUrl]
 * @property {() => Promise<string>} [fallbackBytes]
 * @property {number} [height] Maximum drawing height in CSS pixels (default 480).
 * @property {Partial<StacksViewerState>} [state] A view to restore (a re-rendered widget).
 * @property {(status: string) => void} [onStatus]
 * @property {(matched: string) => void} [onMatched] The whole graph's matched share.
 * @property {(state: StacksViewerState) => void} [onState] After every change of the view.
 */

/**
 * @typedef {object} StacksViewerHandle
 * @property {(folded: string, base?: string) => Promise<void>} setFolded Show other stacks.
 * @property {(shape: "head" | "base") => Promise<void>} setShape
 * @property {(mode: "flame" | "icicle") => void} setMode
 * @property {(url: string) => void} setUrl The download's URL.
 * @property {(name: string) => void} setFileName
 * @property {(px: number) => void} setHeight
 * @property {(pattern: string) => void} search
 * @property {() => void} reset
 * @property {() => StacksViewerState} getState
 * @property {(name: string) => { x: number, y: number, width: number, height: number } | null} frameBox
 *   Where the widest drawn frame called `name` is, in client pixels (tests click there).
 * @property {() => string[]} names Every frame name of the graph (the root excluded).
 * @property {() => void} destroy
 */

/**
 * Mount the data viewer into `host`.
 *
 * @param {HTMLElement} host
 * @param {StacksViewerOptions} options
 * @returns {StacksViewerHandle}
 */
export function mountStacksViewer(host, options) {
  const opts = { ...options };
  let fileName = opts.fileName || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
  /** @type {"head" | "base"} */
  let shape = opts.shape === "base" ? "base" : "head";
  /** @type {import("./stacks.js").FrameTree | null} */
  let tree = null;
  /** @type {{ delta: Float64Array, maxAbs: number } | null} */
  let diff = null;
  /** @type {Uint32Array} per frame pixel colour, filled lazily (0: not yet) */
  let pixels = new Uint32Array(0);
  /** @type {Uint32Array} per name id hot colour pixel */
  let namePixels = new Uint32Array(0);
  /** @type {ImageData | null} */
  let image = null;
  /** @type {Float32Array} full label width per name id (NaN until measured) */
  let labelWidths = new Float32Array(0);
  /** @type {Uint8Array | null} */
  let hits = null;
  let selectedName = -1;
  let view = wholeRange(1);
  let icicle = opts.mode === "icicle" || opts.state?.mode === "icicle";
  let hover = -1;
  let pinned = -1;
  let loadToken = 0;
  let destroyed = false;
  let drawQueued = false;
  let size = { w: 0, h: 0 };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  let caseSensitive = Boolean(opts.state?.caseSensitive);
  /** @type {import("./stacks.js").FunctionRow[] | null} */
  let functionRows = null;
  /** @type {import("./stacks.js").FunctionColumn} */
  let sortColumn = "self";
  let sortDescending = true;
  /** @type {(() => void)[]} */
  const cleanups = [];

  const dom = buildViewerDom(host, fileName);
  const { root, viewport, searchInput, matchedEl, searchError, details } = dom;
  root.dataset.source = "stacks";
  root.dataset.mode = icicle ? "icicle" : "flame";
  dom.stage.remove();
  const canvas = el("canvas", {
    class: "dw-fg-canvas",
    "data-testid": "dw-fg-canvas",
    role: "img",
    "aria-label": "Flamegraph (hover a frame for its name in the details line below)",
  });
  canvas.style.cssText = "position:absolute;left:0;top:0;display:block";
  const vscroll = el("div", { class: "dw-vscroll", "data-testid": "dw-vscroll", hidden: "" });
  const thumb = el("div", { class: "dw-vscroll-thumb" });
  vscroll.append(thumb);
  viewport.prepend(canvas);
  viewport.append(vscroll);
  const shadowStyle = /** @type {ShadowRoot} */ (viewport.getRootNode()).querySelector("style");
  if (shadowStyle) {
    shadowStyle.textContent += `
.dw-vscroll { position: absolute; top: 0; right: 0; bottom: 0; width: 10px; background: rgba(0,0,0,0.05); }
.dw-vscroll-thumb { position: absolute; left: 1px; right: 1px; border-radius: 4px; background: rgba(0,0,0,0.35); cursor: default; }
`;
  }

  // Extra toolbar controls: case toggle, flame/icicle, functions table, diff shape + legend.
  const caseBtn = el(
    "button",
    { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-case", title: "Match case", "aria-label": "Match case" },
    "Aa",
  );
  const modeBtn = el("button", { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-mode" });
  const tableBtn = el(
    "button",
    { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-functions-toggle", title: "Functions table" },
    "Functions",
  );
  const shapeBtn = el("button", { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-shape", hidden: "" });
  const legend = el("span", { class: "dw-legend", "data-testid": "dw-legend", hidden: "" });
  const searchWrap = searchInput.parentElement;
  searchWrap?.after(caseBtn);
  dom.zoomLabel.after(modeBtn, tableBtn, shapeBtn);
  dom.nameEl.before(legend);
  dom.downloadBtn.setAttribute("aria-label", "Download");
  dom.downloadBtn.title = "Download";

  const panel = el("div", { class: "dw-functions", "data-testid": "dw-functions", hidden: "" });
  const table = el("table", { class: "dw-functions-table" });
  const thead = el("thead");
  const tbody = el("tbody");
  table.append(thead, tbody);
  const tableNote = el("div", { class: "dw-functions-note" });
  panel.append(table, tableNote);
  dom.root.querySelector(".dw-statusbar")?.before(panel);
  dom.root.querySelector(".dw-hint")?.replaceChildren(
    "Click a frame to zoom · wheel zooms horizontally (Ctrl+wheel until focused) · drag to pan · / to search · Esc resets",
  );

  setHeight(opts.height ?? DEFAULT_HEIGHT);

  /**
   * @param {EventTarget} target
   * @param {string} type
   * @param {(ev: any) => void} fn
   * @param {AddEventListenerOptions} [o]
   */
  function listen(target, type, fn, o) {
    target.addEventListener(type, fn, o);
    cleanups.push(() => target.removeEventListener(type, fn, o));
  }

  // -- status ----------------------------------------------------------------------------------
  /**
   * @param {"loading" | "ready" | "error"} status
   * @param {string} [message]
   */
  function setStatus(status, message = "") {
    root.dataset.status = status;
    dom.overlay.hidden = status !== "loading";
    dom.errorEl.textContent = status === "error" ? message : "";
    dom.errorEl.hidden = status !== "error";
    try {
      opts.onStatus?.(status === "error" ? `error: ${message}` : status);
    } catch (err) {
      console.error("driftwatch viewer: onStatus failed", err);
    }
  }

  /** @param {number} px */
  function setHeight(px) {
    const h = Number(px) > 0 ? Number(px) : DEFAULT_HEIGHT;
    root.style.setProperty("--dw-height", `${h}px`);
  }

  function getState() {
    return /** @type {StacksViewerState} */ ({
      mode: icicle ? "icicle" : "flame",
      lo: view.lo,
      hi: view.hi,
      scrollTop: view.scrollTop,
      focus: view.focus,
      search: searchInput.value,
      caseSensitive,
      table: !panel.hidden,
    });
  }

  function emitState() {
    try {
      opts.onState?.(getState());
    } catch (err) {
      console.error("driftwatch viewer: onState failed", err);
    }
  }

  // -- view ------------------------------------------------------------------------------------
  function measure() {
    const w = viewport.clientWidth;
    const h = viewport.clientHeight;
    if (w && h) size = { w, h };
    return size.w && size.h ? size : { w: w || 1, h: h || 1 };
  }

  /** @param {import("./range.js").RangeView} next */
  function setView(next) {
    if (!tree) return;
    const { h } = measure();
    const clamped = clampRange(next, tree.totalSamples);
    view = { ...clamped, scrollTop: clampScroll(clamped.scrollTop, contentPx(tree.maxDepth), h) };
    const zoom = magnification(view, tree.totalSamples);
    root.dataset.zoom = round4(zoom);
    root.dataset.frameZoom = view.focus > 0 ? round4(zoom) : "1";
    const label = zoomLabel(zoom);
    dom.zoomLabel.textContent = view.focus > 0 ? `${label} · ${nameOf(view.focus)}` : label;
    dom.zoomLabel.title = view.focus > 0 ? `Zoomed into ${nameOf(view.focus)}` : "Horizontal zoom";
    if (searchInput.value || selectedName >= 0) refreshMatched();
    scheduleDraw();
    emitState();
  }

  function home() {
    if (!tree) return;
    const { h } = measure();
    setView({ ...wholeRange(tree.totalSamples), scrollTop: homeScroll(tree.maxDepth, h, icicle) });
  }

  /** @param {number} factor */
  function zoomCenter(factor) {
    if (!tree) return;
    const { w } = measure();
    setView(zoomRangeAt(view, tree.totalSamples, factor, w / 2, w));
  }

  /** @param {number} i */
  function zoomToFrame(i) {
    if (!tree || i < 0) return;
    if (i === 0) {
      setView({ ...view, lo: 0, hi: tree.totalSamples, focus: -1 });
      return;
    }
    // Keep the clicked row where it is on screen: only the horizontal range changes.
    setView({ ...view, lo: tree.start[i], hi: tree.start[i] + tree.total[i], focus: i });
  }

  function resetAll() {
    pinned = -1;
    home();
    showDetails(hover);
  }

  /** @param {number} i */
  function nameOf(i) {
    return tree ? tree.names[tree.nameOf[i]] : "";
  }

  // -- drawing ---------------------------------------------------------------------------------
  /**
   * Pixels above the first row: a flame graph shorter than its canvas (the 120 px minimum)
   * stands on the canvas's bottom edge, as flamegraph.pl draws it.
   */
  function padTop() {
    if (!tree || icicle) return 0;
    return Math.max(0, measure().h - contentPx(tree.maxDepth));
  }

  /** @param {number} d */
  function rowY(d) {
    return tree ? rowTop(d, tree.maxDepth, icicle, view.scrollTop) + padTop() : 0;
  }

  function scheduleDraw() {
    if (drawQueued || destroyed) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      if (!destroyed) draw();
    });
  }

  /**
   * The frame's fill as a little-endian RGBA pixel (ImageData's layout).
   *
   * @param {number} i
   */
  function pixelOf(i) {
    if (!tree) return 0;
    let c = pixels[i];
    if (c) return c;
    if (diff) c = rgbPixel(i === 0 ? DIFF_NEUTRAL : diffColour(diff.delta[i], diff.maxAbs));
    else {
      const id = tree.nameOf[i];
      c = namePixels[id];
      if (!c) c = namePixels[id] = rgbPixel(hotColour(tree.names[id]));
    }
    pixels[i] = c;
    return c;
  }

  // Frames are painted straight into an ImageData (one typed-array fill per pixel row of a
  // frame, frames under a pixel merged into one column): tens of thousands of fillRect calls,
  // each parsing a colour string, took hundreds of milliseconds on a 50k-frame profile.
  // Labels, outlines and the hover are drawn on top with the 2D context.
  function draw() {
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const { w, h } = measure();
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.max(1, Math.round(w * dpr));
    const ph = Math.max(1, Math.round(h * dpr));
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.width = pw;
      canvas.height = ph;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    updateScrollbar(h);
    if (!tree) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, pw, ph);
      return;
    }
    if (!image || image.width !== pw || image.height !== ph) image = ctx.createImageData(pw, ph);
    const buf = new Uint32Array(image.data.buffer);
    buf.fill(0);
    const t = tree;
    const scale = w / (view.hi - view.lo);
    const lo = view.lo;
    const hi = view.hi;
    const focusDepth = view.focus > 0 ? t.depth[view.focus] : -1;
    /** @type {number[]} frames wide enough for a label or an outline: [i, x0, y, width] */
    const labelled = [];
    let drawn = 0;
    const pad = padTop(); // one layout read per draw, not one per row
    for (let d = 0; d <= t.maxDepth; d++) {
      const y = rowTop(d, t.maxDepth, icicle, view.scrollTop) + pad;
      if (y + ROW_PX <= 0 || y >= h) continue;
      const py0 = Math.max(0, Math.round(y * dpr));
      const py1 = Math.min(ph, Math.round((y + ROW_PX - 1) * dpr));
      const row = t.byDepth[d];
      let lastCol = -1;
      for (let k = firstEndingAfter(t, row, lo); k < row.length; k++) {
        const i = row[k];
        const s = t.start[i];
        if (s >= hi) break;
        const x0 = Math.max((s - lo) * scale, 0);
        const x1 = Math.min((s + t.total[i] - lo) * scale, w);
        const fw = x1 - x0;
        if (fw < MIN_DRAWN_PX) continue;
        let px0 = Math.floor(x0 * dpr);
        // a 1 px gap between frames wider than 3 px, as flamegraph.pl leaves
        let px1 = Math.round((fw > 3 ? x1 - 0.5 : x1) * dpr);
        if (px1 <= px0) {
          if (px0 <= lastCol) continue; // this pixel column is painted already
          px1 = px0 + 1;
        }
        if (px0 <= lastCol) px0 = lastCol + 1;
        if (px1 > pw) px1 = pw;
        if (px1 <= px0) continue;
        lastCol = px1 - 1;
        drawn++;
        let c = hits && hits[i] ? MATCH_PIXEL : pixelOf(i);
        if (d < focusDepth) c = fadePixel(c);
        buf.fill(c, py0 * pw + px0, py0 * pw + px1);
        if (fw > FONT_PX * 1.6 || i === hover || i === pinned) labelled.push(i, x0, y, fw);
      }
      // The row's first pixel line is painted: the others are copies of it.
      for (let py = py0 + 1; py < py1; py++) buf.copyWithin(py * pw, py0 * pw, (py0 + 1) * pw);
    }
    ctx.putImageData(image, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#000";
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1;
    /** @param {string} str */
    const measureText = (str) => ctx.measureText(str).width;
    for (let k = 0; k < labelled.length; k += 4) {
      const i = labelled[k];
      const x0 = labelled[k + 1];
      const y = labelled[k + 2];
      const fw = labelled[k + 3];
      if (i === hover || i === pinned) ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(fw - 1.5, 0), ROW_PX - 2);
      if (fw <= FONT_PX * 1.6) continue;
      const id = t.nameOf[i];
      let full = labelWidths[id];
      if (Number.isNaN(full)) full = labelWidths[id] = measureText(t.names[id]);
      const text = ellipsize(t.names[id], fw - 6, measureText, full);
      if (text) ctx.fillText(text, x0 + 3, y + ROW_PX / 2);
    }
    root.dataset.frames = String(drawn);
  }

  /** @param {number} h */
  function updateScrollbar(h) {
    const content = tree ? contentPx(tree.maxDepth) : 0;
    const show = content > h + 0.5;
    vscroll.hidden = !show;
    if (!show) return;
    const thumbH = Math.max(20, (h * h) / content);
    const top = (view.scrollTop / (content - h)) * (h - thumbH);
    thumb.style.height = `${thumbH}px`;
    thumb.style.top = `${top}px`;
  }

  // -- hover, details --------------------------------------------------------------------------
  /**
   * @param {number} clientX
   * @param {number} clientY
   */
  function frameAtPoint(clientX, clientY) {
    if (!tree) return -1;
    const r = canvas.getBoundingClientRect();
    const { w } = measure();
    const x = view.lo + ((clientX - r.left) / w) * (view.hi - view.lo);
    const d = depthAtY(clientY - r.top - padTop(), tree.maxDepth, icicle, view.scrollTop);
    return frameAt(tree, d, x);
  }

  /** @param {number} i */
  function showDetails(i) {
    const shown = i >= 0 ? i : pinned;
    details.textContent = tree && shown >= 0 ? describeFrame(tree, shown, diff, shape) : "";
  }

  /** @param {number} i */
  function setHover(i) {
    if (i === hover) return;
    hover = i;
    showDetails(i);
    scheduleDraw();
  }

  // -- search ----------------------------------------------------------------------------------
  /** @param {string} text */
  function setMatched(text, extra = "") {
    matchedEl.textContent = text ? `Matched: ${text}${extra}` : "";
    matchedEl.hidden = !text;
    try {
      opts.onMatched?.(text);
    } catch (err) {
      console.error("driftwatch viewer: onMatched failed", err);
    }
  }

  /** @returns {((name: string) => boolean) | null} */
  function currentMatcher() {
    if (selectedName >= 0 && tree) {
      const want = tree.names[selectedName];
      return (name) => name === want;
    }
    const pattern = searchInput.value;
    if (!pattern) return null;
    const { re } = compilePattern(pattern, caseSensitive);
    return re ? (name) => re.test(name) : null;
  }

  /** What the shown match was computed for: it changes only with these, not with a pan. */
  let matchedFor = { tree: /** @type {object | null} */ (null), key: "" };

  function refreshMatched() {
    if (!tree) return;
    const focus = view.focus > 0 ? view.focus : 0;
    const key = [focus, selectedName, caseSensitive, searchInput.value].join("\u0000");
    if (hits && matchedFor.tree === tree && matchedFor.key === key) return;
    const matcher = currentMatcher();
    if (!matcher) return;
    matchedFor = { tree, key };
    const result = searchTree(tree, matcher, focus);
    hits = result.hits;
    root.dataset.matchedFrames = String(result.count);
    const extra = focus > 0 ? ` · ${formatPercent(result.percentFocus)} of the zoomed frame` : "";
    setMatched(formatPercent(result.percentAll), extra);
  }

  function clearMatch() {
    hits = null;
    root.dataset.matchedFrames = "0";
    setMatched("");
    scheduleDraw();
  }

  function runSearch() {
    clearTimeout(searchTimer);
    selectedName = -1;
    markSelectedRow();
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    const pattern = searchInput.value;
    if (!pattern) {
      clearMatch();
      emitState();
      return;
    }
    if (!compilePattern(pattern, caseSensitive).re) {
      // The previous highlight would describe another pattern: clear it, and say why.
      clearMatch();
      searchInput.setAttribute("aria-invalid", "true");
      searchError.textContent = "invalid pattern";
      emitState();
      return;
    }
    if (!tree) return;
    refreshMatched();
    scheduleDraw();
    emitState();
  }

  // -- functions table -------------------------------------------------------------------------
  function tableColumns() {
    /** @type {[import("./stacks.js").FunctionColumn, string][]} */
    const cols = [
      ["name", "Function"],
      ["self", diff ? `Self (${shape})` : "Self"],
      ["total", diff ? `Total (${shape})` : "Total"],
    ];
    if (diff) {
      cols.push(["otherSelf", `Self (${shape === "head" ? "base" : "head"})`]);
      cols.push(["deltaSelf", "Δ self"]);
    }
    return cols;
  }

  function renderTable() {
    if (!tree || panel.hidden) return;
    if (!functionRows) functionRows = functionsOf(tree);
    const t = tree;
    const pct = (/** @type {number} */ v, /** @type {number} */ of) => formatPercent((100 * v) / (of || 1));
    const head = el("tr");
    for (const [key, label] of tableColumns()) {
      const th = el("th", { "aria-sort": key === sortColumn ? (sortDescending ? "descending" : "ascending") : "none" });
      const b = el("button", { type: "button", "data-testid": `dw-sort-${key}`, "data-column": key }, label);
      th.append(b);
      head.append(th);
    }
    thead.replaceChildren(head);
    const rows = sortFunctions(functionRows, sortColumn, sortDescending);
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(0, MAX_TABLE_ROWS)) {
      const tr = el("tr", { "data-testid": "dw-function-row", "data-name": r.name });
      const cells = [
        r.name,
        `${pct(r.self, t.totalSamples)}`,
        `${pct(r.total, t.totalSamples)}`,
      ];
      if (diff) {
        cells.push(pct(r.otherSelf, t.otherSamples));
        cells.push(`${r.deltaSelf >= 0 ? "+" : ""}${(100 * r.deltaSelf).toFixed(2)} pp`);
      }
      for (const c of cells) tr.append(el("td", {}, c));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    tableNote.textContent =
      rows.length > MAX_TABLE_ROWS ? `${MAX_TABLE_ROWS} of ${rows.length} functions shown (sort to see others)` : "";
    markSelectedRow();
  }

  function markSelectedRow() {
    const want = selectedName >= 0 && tree ? tree.names[selectedName] : null;
    for (const tr of tbody.children) {
      tr.classList.toggle("dw-row-selected", want !== null && /** @type {HTMLElement} */ (tr).dataset.name === want);
    }
  }

  // -- loading ---------------------------------------------------------------------------------
  /**
   * @param {string} folded
   * @param {string | undefined} base
   */
  async function load(folded, base) {
    const token = ++loadToken;
    setStatus("loading");
    opts.folded = folded;
    opts.base = base;
    // Let the loading overlay paint first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (token !== loadToken || destroyed) return;
    let built;
    try {
      built = await buildTreeAsync(folded, {
        base,
        shape,
        fileName,
        isCurrent: () => token === loadToken && !destroyed,
      });
    } catch (err) {
      if (token !== loadToken || destroyed) return;
      tree = null;
      scheduleDraw();
      setStatus("error", `Could not show ${fileName}: ${errorText(err)}`);
      return;
    }
    if (!built || token !== loadToken || destroyed) return;
    tree = built;
    diff = typeof base === "string" ? selfDeltas(built, shape) : null;
    pixels = new Uint32Array(built.n);
    namePixels = new Uint32Array(built.names.length);
    labelWidths = new Float32Array(built.names.length).fill(NaN);
    functionRows = null;
    hits = null;
    hover = -1;
    pinned = -1;
    root.dataset.diff = diff ? "true" : "false";
    shapeBtn.hidden = !diff;
    legend.hidden = !diff;
    shapeBtn.textContent = `Shape: ${shape}`;
    shapeBtn.title = "Size frames by the head or by the base profile";
    legend.replaceChildren(
      el("span", { class: "dw-legend-swatch dw-legend-red" }),
      "self share grew (head > base)",
      el("span", { class: "dw-legend-swatch dw-legend-blue" }),
      "shrank",
    );
    root.style.setProperty("--dw-content-height", `${contentPx(built.maxDepth)}px`);
    size = { w: 0, h: 0 };
    const saved = opts.state;
    opts.state = undefined;
    if (saved && typeof saved.lo === "number" && typeof saved.hi === "number") {
      const focus = typeof saved.focus === "number" && saved.focus < built.n ? saved.focus : -1;
      setView({ lo: saved.lo, hi: saved.hi, scrollTop: saved.scrollTop ?? 0, focus });
      if (saved.table) panel.hidden = false;
      if (saved.search) searchInput.value = saved.search;
    } else {
      home();
    }
    if (searchInput.value) runSearch();
    else setMatched("");
    renderTable();
    syncButtons();
    setStatus("ready");
  }

  function syncButtons() {
    modeBtn.textContent = icicle ? "Flame" : "Icicle";
    modeBtn.title = icicle ? "Show as a flame graph (root at the bottom)" : "Show as an icicle graph (root at the top)";
    root.dataset.mode = icicle ? "icicle" : "flame";
    caseBtn.setAttribute("aria-pressed", String(caseSensitive));
    tableBtn.setAttribute("aria-pressed", String(!panel.hidden));
  }

  // -- full screen -----------------------------------------------------------------------------
  const fullscreen = createFullscreen(root, dom.fullscreenBtn);

  // -- events ----------------------------------------------------------------------------------
  listen(dom.zoomInBtn, "click", () => zoomCenter(ZOOM_STEP));
  listen(dom.zoomOutBtn, "click", () => zoomCenter(1 / ZOOM_STEP));
  listen(dom.resetBtn, "click", resetAll);
  listen(dom.fullscreenBtn, "click", fullscreen.toggle);
  listen(document, "fullscreenchange", () => {
    fullscreen.sync();
    size = { w: 0, h: 0 };
    scheduleDraw();
  });
  listen(dom.downloadBtn, "click", async () => {
    if (opts.url) {
      try {
        const got = await acquireSvg(opts.url, {
          fileName,
          refreshUrl: opts.refreshUrl,
          fallbackBytes: opts.fallbackBytes,
        });
        if (got) downloadBytes(root, got.original, fileName);
      } catch (err) {
        details.textContent = errorText(err);
      }
      return;
    }
    if (opts.fallbackBytes) {
      // The original file, from the kernel (the widget built from bytes or a file).
      try {
        const text = await opts.fallbackBytes();
        if (typeof text === "string" && text) {
          downloadBytes(root, new TextEncoder().encode(text), fileName);
          return;
        }
      } catch {
        // no copy there: the stacks themselves are what can be saved
      }
    }
    const name = fileName.replace(/\.svg$/i, "") + ".folded";
    downloadBytes(root, new TextEncoder().encode(opts.folded), name);
  });
  listen(modeBtn, "click", () => {
    icicle = !icicle;
    syncButtons();
    if (tree) setView({ ...view, scrollTop: homeScroll(tree.maxDepth, measure().h, icicle) });
  });
  listen(caseBtn, "click", () => {
    caseSensitive = !caseSensitive;
    syncButtons();
    runSearch();
  });
  listen(tableBtn, "click", () => {
    panel.hidden = !panel.hidden;
    syncButtons();
    renderTable();
    emitState();
  });
  listen(shapeBtn, "click", () => {
    if (!tree || opts.base === undefined) return;
    shape = shape === "head" ? "base" : "head";
    void load(opts.folded, opts.base);
  });
  listen(thead, "click", (/** @type {MouseEvent} */ ev) => {
    const b = /** @type {HTMLElement | null} */ (ev.target)?.closest?.("button[data-column]");
    if (!b) return;
    const col = /** @type {import("./stacks.js").FunctionColumn} */ (/** @type {HTMLElement} */ (b).dataset.column);
    if (col === sortColumn) sortDescending = !sortDescending;
    else {
      sortColumn = col;
      sortDescending = col !== "name";
    }
    renderTable();
  });
  listen(tbody, "click", (/** @type {MouseEvent} */ ev) => {
    const tr = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (ev.target)?.closest?.("tr[data-name]"));
    if (!tr || !tree) return;
    const id = tree.names.indexOf(tr.dataset.name || "");
    searchInput.value = "";
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    if (id === selectedName || id < 0) {
      selectedName = -1;
      clearMatch();
    } else {
      selectedName = id;
      refreshMatched();
    }
    markSelectedRow();
    scheduleDraw();
  });
  listen(searchInput, "input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS);
  });
  listen(searchInput, "keydown", (/** @type {KeyboardEvent} */ ev) => {
    if (ev.key === "Enter") runSearch();
    else if (ev.key === "Escape") {
      searchInput.value = "";
      runSearch();
    }
    ev.stopPropagation(); // keep JupyterLab's command shortcuts out of the text box
  });
  listen(root, "keydown", (/** @type {KeyboardEvent} */ ev) => {
    if (ev.target === searchInput) return;
    if (((ev.ctrlKey || ev.metaKey) && ev.key === "f") || ev.key === "/") {
      ev.preventDefault();
      searchInput.focus();
      searchInput.select();
    } else if (ev.key === "+" || ev.key === "=") zoomCenter(ZOOM_STEP);
    else if (ev.key === "-") zoomCenter(1 / ZOOM_STEP);
    else if (ev.key === "0") resetAll();
    else if (ev.key === "Escape") {
      if (fullscreen.isFallback()) fullscreen.toggle();
      else resetAll();
    } else return;
    ev.stopPropagation();
  });

  // Wheel: scrolls the page unless the viewer has the focus or Ctrl is held; then it zooms
  // horizontally around the pointer (rows keep their height), Shift+wheel scrolls the rows.
  listen(
    viewport,
    "wheel",
    (/** @type {WheelEvent} */ ev) => {
      if (!tree) return;
      if (!ev.ctrlKey && !ev.metaKey && !root.contains(document.activeElement) && !fullscreen.isOn()) return;
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      if (ev.shiftKey && !ev.ctrlKey) {
        setView({ ...view, scrollTop: view.scrollTop + ev.deltaY + ev.deltaX });
        return;
      }
      setView(zoomRangeAt(view, tree.totalSamples, wheelFactor(ev.deltaY, ev.deltaMode), ev.clientX - r.left, measure().w));
    },
    { passive: false },
  );

  /** @type {{ id: number, x: number, y: number, view: import("./range.js").RangeView, moved: boolean } | null} */
  let drag = null;
  let suppressClick = false;
  listen(viewport, "pointerdown", (/** @type {PointerEvent} */ ev) => {
    if (ev.button !== 0 || !tree || ev.target === thumb || ev.target === vscroll) return;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, view, moved: false };
    suppressClick = false;
  });
  listen(viewport, "pointermove", (/** @type {PointerEvent} */ ev) => {
    if (drag && drag.id === ev.pointerId && tree) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && !isDrag(dx, dy)) return;
      if (!drag.moved) {
        drag.moved = true;
        dom.dragCover.hidden = false;
        dom.dragCover.setPointerCapture?.(ev.pointerId);
      }
      const moved = panRange(drag.view, tree.totalSamples, dx, measure().w);
      setView({ ...moved, scrollTop: drag.view.scrollTop - dy });
      return;
    }
    if (!drag) setHover(frameAtPoint(ev.clientX, ev.clientY));
  });
  const endDrag = (/** @type {PointerEvent} */ ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    suppressClick = drag.moved;
    drag = null;
    dom.dragCover.hidden = true;
  };
  listen(viewport, "pointerup", endDrag);
  listen(viewport, "pointercancel", endDrag);
  listen(viewport, "pointerleave", () => {
    if (!drag) setHover(-1);
  });
  listen(viewport, "click", (/** @type {MouseEvent} */ ev) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const i = frameAtPoint(ev.clientX, ev.clientY);
    if (i < 0) return;
    pinned = i;
    zoomToFrame(i);
    showDetails(i);
  });
  listen(viewport, "dblclick", (/** @type {MouseEvent} */ ev) => {
    ev.preventDefault();
    resetAll();
  });

  // The scrollbar thumb: drag to scroll the rows.
  /** @type {{ id: number, y: number, top: number } | null} */
  let thumbDrag = null;
  listen(thumb, "pointerdown", (/** @type {PointerEvent} */ ev) => {
    ev.stopPropagation();
    thumbDrag = { id: ev.pointerId, y: ev.clientY, top: view.scrollTop };
    thumb.setPointerCapture?.(ev.pointerId);
  });
  listen(thumb, "pointermove", (/** @type {PointerEvent} */ ev) => {
    if (!thumbDrag || thumbDrag.id !== ev.pointerId || !tree) return;
    const { h } = measure();
    const content = contentPx(tree.maxDepth);
    const thumbH = Math.max(20, (h * h) / content);
    const perPx = (content - h) / Math.max(1, h - thumbH);
    setView({ ...view, scrollTop: thumbDrag.top + (ev.clientY - thumbDrag.y) * perPx });
  });
  listen(thumb, "pointerup", () => {
    thumbDrag = null;
  });
  listen(thumb, "click", (/** @type {MouseEvent} */ ev) => ev.stopPropagation());
  listen(vscroll, "click", (/** @type {MouseEvent} */ ev) => ev.stopPropagation());

  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver(() => {
      size = { w: 0, h: 0 };
      if (tree) setView(view);
    });
    ro.observe(viewport);
    cleanups.push(() => ro.disconnect());
  }

  // -- start -----------------------------------------------------------------------------------
  fullscreen.sync();
  syncButtons();
  setMatched("");
  if (opts.state?.search) searchInput.value = opts.state.search;
  if (opts.state?.table) panel.hidden = false;
  void load(opts.folded, opts.base);

  /** @type {StacksViewerHandle} */
  const handle = {
    setFolded(folded, base) {
      opts.state = undefined;
      return load(folded, base);
    },
    setShape(next) {
      shape = next === "base" ? "base" : "head";
      return load(opts.folded, opts.base);
    },
    setMode(mode) {
      icicle = mode === "icicle";
      syncButtons();
      if (tree) setView({ ...view, scrollTop: homeScroll(tree.maxDepth, measure().h, icicle) });
    },
    setUrl(url) {
      opts.url = url;
      if (!opts.fileName) {
        fileName = fileNameFromUrl(url);
        dom.nameEl.textContent = fileName;
      }
    },
    setFileName(name) {
      opts.fileName = name;
      fileName = name || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
      dom.nameEl.textContent = fileName;
    },
    setHeight,
    search(pattern) {
      searchInput.value = pattern || "";
      runSearch();
    },
    reset: resetAll,
    getState,
    frameBox(name) {
      if (!tree) return null;
      const t = tree;
      const { w, h } = measure();
      const r = canvas.getBoundingClientRect();
      const scale = w / (view.hi - view.lo);
      let best = -1;
      let bestW = 0;
      for (let i = 0; i < t.n; i++) {
        if (t.names[t.nameOf[i]] !== name) continue;
        const x0 = Math.max((t.start[i] - view.lo) * scale, 0);
        const x1 = Math.min((t.start[i] + t.total[i] - view.lo) * scale, w);
        const y = rowY(t.depth[i]);
        if (x1 - x0 > bestW && y >= 0 && y + ROW_PX <= h) {
          best = i;
          bestW = x1 - x0;
        }
      }
      if (best < 0) return null;
      const x0 = Math.max((t.start[best] - view.lo) * scale, 0);
      const y = rowY(t.depth[best]);
      return { x: r.left + x0, y: r.top + y, width: bestW, height: ROW_PX - 1 };
    },
    names() {
      return tree ? tree.names.slice(1) : [];
    },
    destroy() {
      destroyed = true;
      loadToken++;
      clearTimeout(searchTimer);
      fullscreen.exit();
      for (const fn of cleanups.splice(0)) fn();
      root.remove();
    },
  };
  // Reachable from the DOM, for tests and notebooks that only have the element.
  Object.defineProperty(root, "dwViewer", { value: handle, configurable: true });
  return handle;
}
