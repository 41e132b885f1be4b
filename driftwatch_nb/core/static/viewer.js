// driftwatch flamegraph viewer: one plain ES module shared by the notebook widget (anywidget)
// and the dashboard. No build step and no imports, so both surfaces load this exact file.
//
// Safety model: the SVG is parsed with DOMParser (a document without a browsing context, so
// nothing in it runs or loads while parsing), sanitized (scripts, foreign content, event
// handlers, script-capable links and external fetches removed) and only then adopted into a
// shadow root, which also keeps the flamegraph's own <style> rules away from the host page.

const SVG_NS = "http://www.w3.org/2000/svg";
const REFRESHABLE_STATUSES = new Set([400, 401, 403]);
const ZOOM_MIN = 0.25;
const ZOOM_MAX = 200;
const ZOOM_STEP = 1.25;
const DRAG_THRESHOLD_PX = 4;
const SEARCH_DEBOUNCE_MS = 150;
const KERNEL_TIMEOUT_MS = 20000;
const CHAR_WIDTH_EM = 0.59; // flamegraph.pl's --fontwidth: average glyph width per font size
const DEFAULT_FILE_NAME = "flamegraph.svg";
// Per-frame zoom state bits.
const F_MODIFIED = 1; // x/width/label rewritten; originals saved
const F_IN = 2; // carries dw-frame-in (grouped layouts)
const F_HIDDEN = 4; // carries dw-frame-hidden (other layouts)

// Elements dropped wholesale. Anything outside the SVG namespace goes too (XHTML smuggled in
// through a namespace prefix, for instance), so this list only needs SVG-namespace names.
const FORBIDDEN_ELEMENTS = new Set([
  "script",
  "foreignobject",
  "handler",
  "listener",
  "iframe",
  "embed",
  "object",
  "audio",
  "video",
  "canvas",
  "link",
  "meta",
  "base",
]);
const ANIMATION_ELEMENTS = new Set(["animate", "set", "animatetransform", "animatemotion", "animatecolor"]);
const SCRIPT_URL_RE = /(?:java|vb)script\s*:|^\s*data\s*:\s*text\/html/i;
const EXTERNAL_URL_RE = /url\(\s*(?!['"]?\s*#)[^)]*\)/gi;
const SAFE_IMAGE_DATA_RE = /^\s*data:image\/(?:png|jpe?g|gif|webp);/i;
const TITLE_RE = /^([\s\S]*?) \(([\d,.]+) ([^,()]+), ([\d.]+)%\)$/;
const TITLE_SUFFIX_RE = /^([\s\S]*?) \([^()]*\)$/;

// Rules scoped to the shadow root: they only ever touch the flamegraph, never the host page.
const SHADOW_CSS = `
.dw-viewport { position: absolute; inset: 0; overflow: hidden; cursor: grab; touch-action: none;
  user-select: none; -webkit-user-select: none; }
.dw-viewport.dw-dragging { cursor: grabbing; }
.dw-stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.dw-stage > svg { display: block; overflow: hidden; }
.dw-fg g.dw-frame-hidden,
.dw-fg.dw-zoomed .dw-frames > g:not(.dw-frame-in) { visibility: hidden; }
.dw-fg g.dw-frame-parent { opacity: 0.55; }
.dw-fg g.dw-frame-match > rect { fill: rgb(230, 0, 230); }
.dw-fg g.dw-frame-hover > rect { stroke: #111; stroke-width: 1px; vector-effect: non-scaling-stroke; }
.dw-fg g.dw-frame-focus > rect { stroke: #111; stroke-width: 1.5px; vector-effect: non-scaling-stroke; }
.dw-fg text#search, .dw-fg text#ignorecase, .dw-fg text#unzoom, .dw-fg text#matched,
.dw-fg text#details { display: none; }
`;

const ICONS = {
  zoomIn:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14M5 7h4M7 5v4"/></svg>',
  zoomOut:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14M5 7h4"/></svg>',
  reset:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 8a5 5 0 1 0 1.6-3.7"/><path d="M3 2.5v3h3"/></svg>',
  fullscreen:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10"/></svg>',
  download:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10"/></svg>',
  search:
    '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/></svg>',
};

/** An error whose message is meant for the person looking at the viewer. */
export class ViewerError extends Error {}

function errorText(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function fileNameFromUrl(url) {
  try {
    const path = new URL(url, globalThis.location?.href).pathname;
    const base = decodeURIComponent(path.split("/").pop() || "");
    return base || DEFAULT_FILE_NAME;
  } catch {
    return DEFAULT_FILE_NAME;
  }
}

// ---------------------------------------------------------------------------------------------
// Sanitizing

function stripExternalUrls(css) {
  return css
    .replace(/@import[^;]*;?/gi, "")
    .replace(EXTERNAL_URL_RE, "none");
}

function isDangerousAnimation(el) {
  const target = (el.getAttribute("attributeName") || "").trim().toLowerCase();
  if (/^on/.test(target) || /(^|:)href$/.test(target)) return true;
  for (const name of ["to", "from", "by", "values"]) {
    const value = el.getAttribute(name);
    if (value && SCRIPT_URL_RE.test(value)) return true;
  }
  return false;
}

function sanitizeAttributes(el, isImage) {
  const attrs = el.attributes;
  for (let i = attrs.length - 1; i >= 0; i--) {
    const attr = attrs[i];
    const name = attr.localName.toLowerCase();
    const value = attr.value;
    let drop = false;
    if (name.startsWith("on")) {
      drop = true;
    } else if (name === "href" || name === "src" || name === "base" || name === "action") {
      const v = value.trim();
      drop = !(v.startsWith("#") || (isImage && name === "href" && SAFE_IMAGE_DATA_RE.test(v)));
    } else if (SCRIPT_URL_RE.test(value)) {
      drop = true;
    } else if (value.includes("url(")) {
      const cleaned = stripExternalUrls(value);
      if (cleaned !== value) attr.value = cleaned;
    }
    if (drop) el.removeAttributeNode(attr);
  }
}

/**
 * Parse and sanitize SVG text. Nothing in the returned tree can run script or fetch from the
 * network; titles, rects, text, groups and styles are kept.
 *
 * @param {string} text SVG source.
 * @returns {{ svg: SVGSVGElement, removed: number }} The sanitized root element (still owned by
 *   a detached XML document) and how many elements were removed.
 * @throws {ViewerError} When the text is empty, not XML, not an SVG, or declares entities.
 */
export function sanitizeSvg(text) {
  if (typeof text !== "string" || !text.trim()) {
    throw new ViewerError("the file is empty");
  }
  const rootAt = text.search(/<svg[\s>]/i);
  const prolog = rootAt >= 0 ? text.slice(0, rootAt) : text.slice(0, 65536);
  if (/<!ENTITY/i.test(prolog)) {
    throw new ViewerError("the SVG declares XML entities, which flamegraphs never need");
  }
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const problem = doc.getElementsByTagName("parsererror")[0];
  if (problem) {
    const detail = (problem.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200);
    throw new ViewerError(`the file is not well-formed XML (${detail || "parse error"})`);
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) {
    throw new ViewerError("the file is XML but its root element is not an SVG <svg>");
  }
  let removed = 0;
  const all = root.getElementsByTagName("*");
  const elements = [root];
  for (let i = 0; i < all.length; i++) elements.push(all[i]);
  for (const el of elements) {
    if (!el.isConnected) continue; // inside a subtree removed earlier
    const name = el.localName.toLowerCase();
    if (
      el.namespaceURI !== SVG_NS ||
      FORBIDDEN_ELEMENTS.has(name) ||
      (ANIMATION_ELEMENTS.has(name) && isDangerousAnimation(el))
    ) {
      el.remove();
      removed++;
      continue;
    }
    if (el.attributes.length) sanitizeAttributes(el, name === "image");
    if (name === "style") el.textContent = stripExternalUrls(el.textContent || "");
  }
  return { svg: root, removed };
}

// ---------------------------------------------------------------------------------------------
// Flamegraph index: one pass over the frames after load, names parsed lazily.

function firstChildNamed(g, name) {
  for (let c = g.firstElementChild; c; c = c.nextElementSibling) {
    if (c.localName === name) return c;
  }
  return null;
}

function attrOf(rect, g, name) {
  const v = rect.getAttribute(name);
  return v === null ? g.getAttribute(name) : v;
}

/**
 * Parse a flamegraph frame title such as "func (1,234 samples, 12.34%)".
 *
 * @param {string} title The <title> text.
 * @returns {{ name: string, count: string | null, unit: string | null, percent: string | null }}
 */
export function parseFrameTitle(title) {
  const text = (title || "").trim();
  const m = TITLE_RE.exec(text);
  if (m) return { name: m[1], count: m[2], unit: m[3], percent: m[4] };
  const s = TITLE_SUFFIX_RE.exec(text);
  return { name: s ? s[1] : text, count: null, unit: null, percent: null };
}

function indexFrames(svg) {
  const groups = svg.getElementsByTagName("g");
  const els = [];
  const rects = [];
  const texts = [];
  const titles = [];
  const xs = [];
  const ws = [];
  const ys = [];
  const sx = [];
  const sw = [];
  let haveSamples = true;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    const title = firstChildNamed(g, "title");
    const rect = title && firstChildNamed(g, "rect");
    if (!rect) continue;
    const w = parseFloat(rect.getAttribute("width"));
    const x = parseFloat(rect.getAttribute("x") || "0");
    if (!Number.isFinite(w) || !Number.isFinite(x)) continue;
    els.push(g);
    rects.push(rect);
    texts.push(firstChildNamed(g, "text"));
    titles.push(title);
    xs.push(x);
    ws.push(w);
    ys.push(parseFloat(rect.getAttribute("y") || "0"));
    if (haveSamples) {
      const fx = parseFloat(attrOf(rect, g, "fg:x"));
      const fw = parseFloat(attrOf(rect, g, "fg:w"));
      if (Number.isFinite(fx) && Number.isFinite(fw)) {
        sx.push(fx);
        sw.push(fw);
      } else {
        haveSamples = false;
      }
    }
  }
  const n = els.length;
  if (!n) return null;
  // Frames sharing one parent that holds nothing else can be hidden by one class on the stage.
  const holder = els[0].parentNode;
  let grouped = true;
  for (let i = 1; i < n && grouped; i++) grouped = els[i].parentNode === holder;
  if (grouped) {
    let groups = 0;
    for (let c = holder.firstElementChild; c; c = c.nextElementSibling) groups += c.localName === "g";
    grouped = groups === n;
  }
  let root = 0;
  for (let i = 1; i < n; i++) if (ws[i] > ws[root]) root = i;
  const percent = (rects[root].getAttribute("width") || "").trim().endsWith("%");
  // Pixels per layout unit, for fitting labels: percent layouts (inferno, py-spy) sit in an
  // <svg id="frames" width="1180">, absolute ones (flamegraph.pl) are already in pixels.
  let pxPerUnit = 1;
  if (percent) {
    const holder = rects[root].ownerSVGElement;
    const holderWidth = parseFloat(holder?.getAttribute("width") || "");
    const isAbs = holder && !(holder.getAttribute("width") || "").includes("%");
    pxPerUnit = (isAbs && holderWidth > 0 ? holderWidth : 1180) / 100;
  }
  let textDx = percent ? 0.25 : 3;
  const t0 = texts[root];
  if (t0) {
    const tx = parseFloat(t0.getAttribute("x") || "");
    if (Number.isFinite(tx) && tx >= xs[root]) textDx = tx - xs[root];
  }
  let totalSamples = 0;
  if (haveSamples) {
    const holderTotal = parseFloat(rects[root].ownerSVGElement?.getAttribute("total_samples") || "");
    totalSamples = Number.isFinite(holderTotal) && holderTotal > 0 ? holderTotal : sw[root];
  }
  return {
    n,
    els,
    rects,
    texts,
    titles,
    xs: Float64Array.from(xs),
    ws: Float64Array.from(ws),
    ys: Float64Array.from(ys),
    sx: haveSamples ? Float64Array.from(sx) : null,
    sw: haveSamples ? Float64Array.from(sw) : null,
    totalSamples,
    root,
    x0: xs[root],
    width: ws[root],
    unit: percent ? "%" : "",
    pxPerUnit,
    textDx,
    holder,
    grouped,
    rootBelow: null, // computed on first zoom
    names: null,
    indexOf: new Map(els.map((g, i) => [g, i])),
    state: new Uint8Array(n), // F_* bits
    orig: null, // original attribute strings, captured on first zoom
    matched: new Uint8Array(n),
  };
}

function frameNames(fi) {
  if (!fi.names) {
    const names = new Array(fi.n);
    for (let i = 0; i < fi.n; i++) names[i] = parseFrameTitle(fi.titles[i].textContent).name;
    fi.names = names;
  }
  return fi.names;
}

/**
 * Percentage of samples covered by frames matching `re`, the way flamegraph.pl computes it:
 * sum of widths of the top-most non-overlapping matches divided by the root width.
 *
 * @param {object} fi Frame index.
 * @param {RegExp} re Pattern tested against function names.
 * @returns {{ percent: number, hits: Uint8Array }}
 */
function matchFrames(fi, re) {
  const names = frameNames(fi);
  const xs = fi.sx || fi.xs;
  const ws = fi.sw || fi.ws;
  const hits = new Uint8Array(fi.n);
  const widest = new Map();
  for (let i = 0; i < fi.n; i++) {
    if (!re.test(names[i])) continue;
    hits[i] = 1;
    const prev = widest.get(xs[i]);
    if (prev === undefined || ws[i] > prev) widest.set(xs[i], ws[i]);
  }
  const keys = Array.from(widest.keys()).sort((a, b) => a - b);
  const total = fi.sw ? fi.totalSamples : fi.width;
  const fudge = total * 1e-7;
  let count = 0;
  let lastX = -Infinity;
  let lastW = 0;
  for (const x of keys) {
    const w = widest.get(x);
    if (x >= lastX + lastW - fudge) {
      count += w;
      lastX = x;
      lastW = w;
    }
  }
  return { percent: total > 0 ? (100 * count) / total : 0, hits };
}

function fitLabel(name, px, fontPx) {
  const chars = Math.floor((px - 3) / (fontPx * CHAR_WIDTH_EM));
  if (chars < 3) return "";
  return name.length <= chars ? name : `${name.slice(0, chars - 2)}..`;
}

// ---------------------------------------------------------------------------------------------
// The viewer

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function iconButton(testid, label, icon) {
  const b = el("button", { type: "button", class: "dw-btn", "data-testid": testid, "aria-label": label, title: label });
  b.innerHTML = icon; // trusted constant
  return b;
}

/**
 * Mount a flamegraph viewer into `el`.
 *
 * The SVG is fetched in the browser through `url` (`credentials: "omit"`). On HTTP 400/401/403
 * (an expired signed URL; Supabase answers JSON errors with 400) `refreshUrl()` is called once
 * and the new URL tried; when the network fails, or the storage still refuses, `fallbackBytes()`
 * supplies the SVG text (the notebook kernel's copy). When everything fails the viewer shows an
 * error saying why.
 *
 * @param {HTMLElement} host Element to render into (its content is replaced).
 * @param {object} [options]
 * @param {string} [options.url] Signed URL of the SVG.
 * @param {string} [options.svgText] SVG text to show when there is no URL.
 * @param {string} [options.fileName] Name used for downloads (default: from the URL).
 * @param {() => Promise<string>} [options.refreshUrl] Returns a fresh signed URL.
 * @param {() => Promise<string>} [options.fallbackBytes] Returns the SVG text by another route.
 * @param {number} [options.height] Maximum canvas height in CSS pixels (default 480); a
 *   shorter flamegraph gets a canvas just tall enough for it.
 * @param {(status: string) => void} [options.onStatus] Called with "loading", "ready" or
 *   "error: <message>".
 * @param {(matched: string) => void} [options.onMatched] Called with "12.34%" after a search,
 *   "" when the search is cleared.
 * @returns {{ setUrl(url: string): Promise<void>, setSvgText(text: string): Promise<void>,
 *   setFileName(name: string): void, setHeight(px: number): void, search(pattern: string): void,
 *   reset(): void, destroy(): void }}
 */
export function mountViewer(host, options = {}) {
  const opts = { ...options };
  let fileName = opts.fileName || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
  let loadToken = 0;
  let bytes = null; // original bytes, for download
  let svg = null;
  let fi = null; // frame index
  let natural = { w: 1200, h: 800 };
  let base = 1; // scale that fits the SVG's width into the viewport
  let zoom = 1;
  let tx = 0;
  let ty = 0;
  let atHome = true;
  let fontPx = 12;
  let fontMeasured = false;
  let vpSize = { w: 0, h: 0 }; // cached so that interactions never force a layout
  let focus = -1;
  let hover = -1;
  let searchTimer = 0;
  let destroyed = false;
  const cleanups = [];

  // -- DOM -------------------------------------------------------------------------------------
  host.replaceChildren();
  const root = el("div", {
    class: "dw-viewer",
    "data-testid": "dw-viewer",
    "data-zoom": "1",
    "data-frame-zoom": "1",
    "data-status": "loading",
    "data-fullscreen": "false",
    tabindex: "0",
  });
  const toolbar = el("div", { class: "dw-toolbar", role: "toolbar", "aria-label": "Flamegraph tools" });
  const zoomOutBtn = iconButton("dw-zoom-out", "Zoom out", ICONS.zoomOut);
  const zoomInBtn = iconButton("dw-zoom-in", "Zoom in", ICONS.zoomIn);
  const resetBtn = iconButton("dw-reset", "Reset zoom (double-click)", ICONS.reset);
  const zoomLabel = el("span", { class: "dw-zoom-label", "data-testid": "dw-zoom-label" }, "100%");
  const searchWrap = el("label", { class: "dw-search" });
  searchWrap.innerHTML = ICONS.search;
  const searchInput = el("input", {
    type: "search",
    "data-testid": "dw-search",
    placeholder: "Search frames (regex)",
    "aria-label": "Search frames by regular expression",
    spellcheck: "false",
    autocomplete: "off",
  });
  searchWrap.append(searchInput);
  const searchError = el("span", { class: "dw-search-error", "data-testid": "dw-search-error", role: "alert" });
  const matchedEl = el("span", { class: "dw-matched", "data-testid": "dw-matched", "aria-live": "polite" });
  const spacer = el("span", { class: "dw-spacer" });
  const nameEl = el("span", { class: "dw-file", "data-testid": "dw-file-name" }, fileName);
  const downloadBtn = iconButton("dw-download", "Download SVG", ICONS.download);
  const fullscreenBtn = iconButton("dw-fullscreen", "Full screen", ICONS.fullscreen);
  const sep = () => el("span", { class: "dw-sep", "aria-hidden": "true" });
  toolbar.append(
    zoomOutBtn, zoomInBtn, resetBtn, zoomLabel, sep(), searchWrap, matchedEl, searchError,
    spacer, nameEl, downloadBtn, fullscreenBtn,
  );

  const canvas = el("div", { class: "dw-canvas", "data-testid": "dw-canvas" });
  const shadow = canvas.attachShadow({ mode: "open" });
  const shadowStyle = document.createElement("style");
  shadowStyle.textContent = SHADOW_CSS;
  const viewport = el("div", { class: "dw-viewport", part: "viewport" });
  const stage = el("div", { class: "dw-stage" });
  viewport.append(stage);
  shadow.append(shadowStyle, viewport);
  const overlay = el("div", { class: "dw-overlay", "data-testid": "dw-loading" }, "Loading flamegraph…");
  const errorEl = el("div", { class: "dw-error", "data-testid": "dw-error", role: "alert", hidden: "" });
  const canvasWrap = el("div", { class: "dw-canvas-wrap" });
  canvasWrap.append(canvas, overlay, errorEl);

  const statusbar = el("div", { class: "dw-statusbar" });
  const details = el("span", { class: "dw-details", "data-testid": "dw-details" });
  const hint = el("span", { class: "dw-hint" }, "Click a frame to zoom · wheel to zoom · drag to pan");
  statusbar.append(details, hint);
  root.append(toolbar, canvasWrap, statusbar);
  host.append(root);
  setHeight(opts.height ?? 480);

  function listen(target, type, fn, o) {
    target.addEventListener(type, fn, o);
    cleanups.push(() => target.removeEventListener(type, fn, o));
  }

  // -- status ----------------------------------------------------------------------------------
  function setStatus(status, message) {
    root.dataset.status = status;
    overlay.hidden = status !== "loading";
    if (status === "error") {
      errorEl.textContent = message;
      errorEl.hidden = false;
    } else {
      errorEl.hidden = true;
      errorEl.textContent = "";
    }
    const full = status === "error" ? `error: ${message}` : status;
    try {
      opts.onStatus?.(full);
    } catch (err) {
      console.error("driftwatch viewer: onStatus failed", err);
    }
  }

  function setHeight(px) {
    const h = Number(px) > 0 ? Number(px) : 480;
    root.style.setProperty("--dw-height", `${h}px`);
  }

  // -- transform -------------------------------------------------------------------------------
  function viewportSize() {
    if (!vpSize.w || !vpSize.h) {
      const w = viewport.clientWidth;
      const h = viewport.clientHeight;
      if (w && h) vpSize = { w, h };
      else return { w: w || 1, h: h || 1 };
    }
    return vpSize;
  }

  function clampAndApply() {
    const { w: vw, h: vh } = viewportSize();
    const s = base * zoom;
    const cw = natural.w * s;
    const ch = natural.h * s;
    tx = cw <= vw ? Math.min(Math.max(tx, 0), vw - cw) : Math.min(Math.max(tx, vw - cw), 0);
    ty = ch <= vh ? Math.min(Math.max(ty, 0), vh - ch) : Math.min(Math.max(ty, vh - ch), 0);
    stage.style.transform = `translate(${tx}px, ${ty}px) scale(${s})`;
    const z = Math.round(zoom * 10000) / 10000;
    root.dataset.zoom = String(z);
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
  }

  function computeBase() {
    const { w: vw } = viewportSize();
    base = vw / natural.w;
  }

  function rootIsBelow() {
    if (!fi) return true;
    if (fi.rootBelow === null) fi.rootBelow = fi.ys[fi.root] >= natural.h / 2 || fi.n === 1;
    return fi.rootBelow;
  }

  function home() {
    computeBase();
    zoom = 1;
    tx = 0;
    const ch = natural.h * base;
    // The height option is a maximum: a short flamegraph gets a short canvas, not blank space.
    const fitted = `${Math.ceil(ch)}px`;
    if (root.style.getPropertyValue("--dw-content-height") !== fitted) {
      root.style.setProperty("--dw-content-height", fitted);
      vpSize = { w: 0, h: 0 }; // measured again below, once per load or width change
    }
    const { h: vh } = viewportSize();
    // Flamegraphs grow upwards from the root at the bottom: show the root first.
    ty = ch > vh && rootIsBelow() ? vh - ch : 0;
    atHome = true;
    clampAndApply();
  }

  function zoomAt(factor, px, py) {
    const next = Math.min(Math.max(zoom * factor, ZOOM_MIN), ZOOM_MAX);
    if (next === zoom) return;
    const ratio = next / zoom;
    tx = px - (px - tx) * ratio;
    ty = py - (py - ty) * ratio;
    zoom = next;
    atHome = false;
    clampAndApply();
  }

  function zoomCenter(factor) {
    const { w, h } = viewportSize();
    zoomAt(factor, w / 2, h / 2);
  }

  // -- frame zoom (flamegraph.pl-style: the clicked frame fills the width) ---------------------
  // Only the frames under the clicked one (and its ancestors) are rewritten. The others are
  // hidden with visibility (their layout is kept, so undoing is cheap) and, when all frames share
  // one parent (flamegraph.pl, inferno, py-spy), by a single class on the stage rather than one
  // class per frame. Nothing here reads layout, so the browser lays out once, after the writes.
  function measureFont() {
    if (fontMeasured || !fi) return;
    fontMeasured = true;
    const sample = fi.texts[fi.root];
    const px = sample ? parseFloat(getComputedStyle(sample).fontSize) : NaN;
    if (px > 0) fontPx = px;
  }

  function captureOriginal(j) {
    if (!fi.orig) {
      const n = fi.n;
      fi.orig = { rx: new Array(n), rw: new Array(n), txs: new Array(n), labels: new Array(n) };
      fi.label = new Array(n); // label currently drawn, to skip writes that change nothing
    }
    const { orig, rects, texts } = fi;
    orig.rx[j] = rects[j].getAttribute("x");
    orig.rw[j] = rects[j].getAttribute("width");
    const t = texts[j];
    orig.txs[j] = t ? t.getAttribute("x") : null;
    orig.labels[j] = t ? t.textContent : null;
    fi.label[j] = orig.labels[j];
  }

  function restoreFrame(j) {
    const { rects, texts, els, orig, state } = fi;
    const s = state[j];
    if (s & F_MODIFIED) {
      if (orig.rx[j] === null) rects[j].removeAttribute("x");
      else rects[j].setAttribute("x", orig.rx[j]);
      rects[j].setAttribute("width", orig.rw[j]);
      const t = texts[j];
      if (t) {
        if (orig.txs[j] !== null) t.setAttribute("x", orig.txs[j]);
        if (fi.label[j] !== orig.labels[j]) t.textContent = orig.labels[j];
        fi.label[j] = orig.labels[j];
      }
      els[j].classList.remove("dw-frame-parent");
    }
    if (s & F_IN) els[j].classList.remove("dw-frame-in");
    if (s & F_HIDDEN) els[j].classList.remove("dw-frame-hidden");
    state[j] = 0;
  }

  function setFocus(i) {
    if (focus >= 0 && fi) fi.els[focus]?.classList.remove("dw-frame-focus");
    focus = i;
    if (focus >= 0) fi.els[focus].classList.add("dw-frame-focus");
  }

  function resetFrames() {
    if (!fi) return;
    stage.classList.remove("dw-zoomed");
    const { state, n } = fi;
    for (let j = 0; j < n; j++) if (state[j]) restoreFrame(j);
    setFocus(-1);
    root.dataset.frameZoom = "1";
  }

  function zoomToFrame(i) {
    if (!fi) return;
    const fx = fi.xs[i];
    const fw = fi.ws[i];
    if (!(fw > 0)) return;
    const screenY = fi.ys[i] * base * zoom + ty;
    if (Math.abs(fw - fi.width) < 1e-9 * Math.max(1, fi.width) && Math.abs(fx - fi.x0) < 1e-9) {
      resetFrames();
    } else {
      measureFont();
      const { xs, ws, ys, els, rects, texts, state, unit, x0, width, pxPerUnit, textDx } = fi;
      const grouped = fi.grouped;
      const names = frameNames(fi);
      const ratio = width / fw;
      const eps = width * 1e-9;
      const fy = ys[i];
      const below = rootIsBelow();
      const right = fx + fw;
      const limit = x0 + width;
      for (let j = 0; j < fi.n; j++) {
        const xj = xs[j];
        const wj = ws[j];
        const s = state[j];
        if (xj + wj <= fx + eps || xj >= right - eps) {
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
        if (!(s & F_MODIFIED)) captureOriginal(j);
        state[j] = (grouped ? F_IN : 0) | F_MODIFIED;
        let nx = x0 + (xj - fx) * ratio;
        let nr = nx + wj * ratio;
        if (nx < x0) nx = x0;
        if (nr > limit) nr = limit;
        const nw = nr - nx;
        rects[j].setAttribute("x", `${nx.toFixed(4)}${unit}`);
        rects[j].setAttribute("width", `${nw.toFixed(4)}${unit}`);
        const t = texts[j];
        if (t) {
          t.setAttribute("x", `${(nx + textDx).toFixed(4)}${unit}`);
          const label = fitLabel(names[j], nw * pxPerUnit, fontPx);
          if (label !== fi.label[j]) {
            t.textContent = label;
            fi.label[j] = label;
          }
        }
        const parent = j !== i && (below ? ys[j] > fy : ys[j] < fy);
        els[j].classList.toggle("dw-frame-parent", parent);
      }
      if (grouped) stage.classList.add("dw-zoomed");
      setFocus(i);
      root.dataset.frameZoom = String(Math.round(ratio * 10000) / 10000);
    }
    // Fit the width again (the frame now fills it) but keep the frame where the user clicked.
    computeBase();
    zoom = 1;
    tx = 0;
    ty = screenY - fi.ys[i] * base;
    atHome = false;
    clampAndApply();
  }

  function resetAll() {
    resetFrames();
    home();
  }

  // -- search ----------------------------------------------------------------------------------
  function setMatched(text) {
    matchedEl.textContent = text ? `Matched: ${text}` : "";
    matchedEl.hidden = !text;
    try {
      opts.onMatched?.(text);
    } catch (err) {
      console.error("driftwatch viewer: onMatched failed", err);
    }
  }

  function applyHighlight(hits) {
    const { els, matched, n } = fi;
    for (let i = 0; i < n; i++) {
      const want = hits ? hits[i] : 0;
      if (matched[i] !== want) {
        els[i].classList.toggle("dw-frame-match", want === 1);
        matched[i] = want;
      }
    }
  }

  function runSearch() {
    clearTimeout(searchTimer);
    const pattern = searchInput.value;
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    if (!pattern) {
      if (fi) applyHighlight(null);
      setMatched("");
      return;
    }
    let re;
    try {
      re = new RegExp(pattern, "i");
    } catch (err) {
      searchInput.setAttribute("aria-invalid", "true");
      searchError.textContent = `Invalid regex: ${errorText(err).replace(/^Invalid regular expression: /, "")}`;
      return;
    }
    if (!fi) {
      setMatched(svg ? "0.00%" : "");
      return;
    }
    const { percent, hits } = matchFrames(fi, re);
    applyHighlight(hits);
    setMatched(`${percent.toFixed(2)}%`);
  }

  // -- hover details ---------------------------------------------------------------------------
  function frameFromEvent(ev) {
    if (!fi) return -1;
    let node = ev.target;
    while (node && node !== stage) {
      if (node.localName === "g") {
        const i = fi.indexOf.get(node);
        if (i !== undefined) return i;
      }
      node = node.parentNode;
    }
    return -1;
  }

  function showDetails(i) {
    if (i === hover) return;
    if (hover >= 0) fi.els[hover]?.classList.remove("dw-frame-hover");
    hover = i;
    if (i < 0) {
      details.textContent = "";
      return;
    }
    fi.els[i].classList.add("dw-frame-hover");
    const t = parseFrameTitle(fi.titles[i].textContent);
    details.textContent =
      t.count !== null ? `${t.name} — ${t.count} ${t.unit} (${t.percent}%)` : t.name;
  }

  // -- rendering -------------------------------------------------------------------------------
  function clearDrawing() {
    stage.replaceChildren();
    stage.classList.remove("dw-fg", "dw-zoomed");
    svg = null;
    fi = null;
    focus = -1;
    hover = -1;
    details.textContent = "";
    root.dataset.frameZoom = "1";
    root.style.removeProperty("--dw-content-height");
  }

  function naturalSize(node) {
    const vb = (node.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
    if (vb.length === 4 && vb.every(Number.isFinite) && vb[2] > 0 && vb[3] > 0) {
      return { w: vb[2], h: vb[3], viewBox: false };
    }
    const w = parseFloat(node.getAttribute("width") || "");
    const h = parseFloat(node.getAttribute("height") || "");
    const ok = (v, a) => Number.isFinite(v) && v > 0 && !String(node.getAttribute(a)).includes("%");
    return { w: ok(w, "width") ? w : 1200, h: ok(h, "height") ? h : 800, viewBox: true };
  }

  function draw(text) {
    const { svg: clean } = sanitizeSvg(text);
    const size = naturalSize(clean);
    if (size.viewBox) clean.setAttribute("viewBox", `0 0 ${size.w} ${size.h}`);
    clean.setAttribute("width", String(size.w));
    clean.setAttribute("height", String(size.h));
    clean.removeAttribute("style");
    clearDrawing();
    natural = { w: size.w, h: size.h };
    const node = document.adoptNode(clean);
    stage.append(node);
    svg = node;
    fi = indexFrames(node);
    fontMeasured = false; // measured on first frame zoom: no forced style pass during load
    if (fi) {
      stage.classList.add("dw-fg");
      if (fi.grouped) fi.holder.classList.add("dw-frames");
    }
    home();
    if (searchInput.value) runSearch();
    else setMatched("");
  }

  const encoder = new TextEncoder();

  async function show(text, original, token) {
    // Let the loading overlay paint before a large synchronous parse.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (token !== loadToken || destroyed) return;
    try {
      draw(text);
    } catch (err) {
      clearDrawing();
      bytes = null;
      setStatus("error", `Could not show ${fileName}: ${errorText(err)}.`);
      return;
    }
    bytes = original;
    setStatus("ready");
  }

  async function describeHttpError(res) {
    let detail = "";
    try {
      const body = (await res.text()).slice(0, 4096);
      try {
        const json = JSON.parse(body);
        const parts = [json.error, json.message].filter((p) => typeof p === "string" && p);
        detail = parts.join(": ");
      } catch {
        detail = body.replace(/\s+/g, " ").trim().slice(0, 160);
      }
    } catch {
      // body unreadable: the status alone will do
    }
    return `HTTP ${res.status}${detail ? ` (${detail})` : ""}`;
  }

  async function acquire(url, token) {
    const problems = [];
    let current = url;
    let refreshed = false;
    for (;;) {
      let res;
      try {
        res = await fetch(current, { credentials: "omit" });
      } catch (err) {
        problems.push(`the network request failed (${errorText(err)})`);
        break;
      }
      if (token !== loadToken) return null;
      if (res.ok) {
        const buf = new Uint8Array(await res.arrayBuffer());
        return { text: new TextDecoder("utf-8").decode(buf), original: buf };
      }
      const status = res.status;
      problems.push(`the storage answered ${await describeHttpError(res)}`);
      if (REFRESHABLE_STATUSES.has(status) && !refreshed && opts.refreshUrl) {
        refreshed = true;
        try {
          const next = await opts.refreshUrl();
          if (token !== loadToken) return null;
          if (typeof next !== "string" || !next) throw new Error("no URL was returned");
          current = next;
          continue;
        } catch (err) {
          problems.push(`refreshing the signed URL failed (${errorText(err)})`);
        }
      }
      break;
    }
    if (opts.fallbackBytes) {
      try {
        const text = await opts.fallbackBytes();
        if (token !== loadToken) return null;
        if (typeof text === "string" && text) return { text, original: encoder.encode(text) };
        problems.push("the kernel has no copy of the file");
      } catch (err) {
        problems.push(`asking the kernel for the file failed (${errorText(err)})`);
      }
    }
    throw new ViewerError(`Could not load ${fileName}: ${problems.join("; ")}.`);
  }

  async function loadUrl(url) {
    const token = ++loadToken;
    setStatus("loading");
    try {
      const got = await acquire(url, token);
      if (!got || token !== loadToken || destroyed) return;
      await show(got.text, got.original, token);
    } catch (err) {
      if (token !== loadToken || destroyed) return;
      clearDrawing();
      bytes = null;
      setStatus("error", errorText(err));
    }
  }

  async function loadText(text) {
    const token = ++loadToken;
    setStatus("loading");
    await show(text, encoder.encode(text), token);
  }

  // -- full screen -----------------------------------------------------------------------------
  function isFullscreen() {
    return document.fullscreenElement === root || root.classList.contains("dw-fs-fallback");
  }

  function syncFullscreen() {
    const on = isFullscreen();
    root.dataset.fullscreen = String(on);
    fullscreenBtn.setAttribute("aria-pressed", String(on));
    fullscreenBtn.title = on ? "Exit full screen" : "Full screen";
  }

  async function toggleFullscreen() {
    if (root.classList.contains("dw-fs-fallback")) {
      root.classList.remove("dw-fs-fallback");
    } else if (document.fullscreenElement === root) {
      try {
        await document.exitFullscreen();
      } catch {
        // already left
      }
    } else {
      try {
        if (!root.requestFullscreen) throw new Error("no Fullscreen API");
        await root.requestFullscreen();
      } catch {
        // Refused (iframe without allowfullscreen, no user gesture...): fill the window instead.
        root.classList.add("dw-fs-fallback");
      }
    }
    syncFullscreen();
  }

  // -- download --------------------------------------------------------------------------------
  function download() {
    if (!bytes) return;
    const blob = new Blob([bytes], { type: "image/svg+xml" });
    const href = URL.createObjectURL(blob);
    const a = el("a", { href, download: fileName, hidden: "" });
    root.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
  }

  // -- events (delegated: a handful of listeners whatever the number of frames) ----------------
  listen(zoomInBtn, "click", () => zoomCenter(ZOOM_STEP));
  listen(zoomOutBtn, "click", () => zoomCenter(1 / ZOOM_STEP));
  listen(resetBtn, "click", resetAll);
  listen(fullscreenBtn, "click", toggleFullscreen);
  listen(downloadBtn, "click", download);
  listen(document, "fullscreenchange", syncFullscreen);
  listen(searchInput, "input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS);
  });
  listen(searchInput, "keydown", (ev) => {
    if (ev.key === "Enter") runSearch();
    else if (ev.key === "Escape") {
      searchInput.value = "";
      runSearch();
    }
    ev.stopPropagation(); // keep JupyterLab's command shortcuts out of the text box
  });
  listen(root, "keydown", (ev) => {
    if (ev.target === searchInput) return;
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "f") {
      ev.preventDefault();
      searchInput.focus();
    } else if (ev.key === "+" || ev.key === "=") zoomCenter(ZOOM_STEP);
    else if (ev.key === "-") zoomCenter(1 / ZOOM_STEP);
    else if (ev.key === "0") resetAll();
    else if (ev.key === "Escape" && root.classList.contains("dw-fs-fallback")) toggleFullscreen();
    else return;
    ev.stopPropagation();
  });

  listen(
    viewport,
    "wheel",
    (ev) => {
      if (!svg) return;
      ev.preventDefault();
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
      const r = viewport.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * unit * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
    },
    { passive: false },
  );

  let drag = null;
  let suppressClick = false;
  listen(viewport, "pointerdown", (ev) => {
    if (ev.button !== 0 || !svg) return;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, tx, ty, moved: false };
    suppressClick = false;
  });
  listen(viewport, "pointermove", (ev) => {
    if (drag && drag.id === ev.pointerId) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      if (!drag.moved) {
        drag.moved = true;
        // Capture only once it is a drag, so plain clicks still land on the frame.
        viewport.setPointerCapture?.(ev.pointerId);
        viewport.classList.add("dw-dragging");
      }
      tx = drag.tx + dx;
      ty = drag.ty + dy;
      atHome = false;
      clampAndApply();
      return;
    }
    showDetails(frameFromEvent(ev));
  });
  const endDrag = (ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    suppressClick = drag.moved;
    drag = null;
    viewport.classList.remove("dw-dragging");
  };
  listen(viewport, "pointerup", endDrag);
  listen(viewport, "pointercancel", endDrag);
  listen(viewport, "pointerleave", () => {
    if (!drag) showDetails(-1);
  });
  listen(viewport, "click", (ev) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const i = frameFromEvent(ev);
    if (i >= 0) zoomToFrame(i);
  });
  listen(viewport, "dblclick", (ev) => {
    ev.preventDefault();
    resetAll();
  });

  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      vpSize = { w: box.width, h: box.height };
      if (!svg) return;
      if (atHome) home();
      else {
        computeBase();
        clampAndApply();
      }
    });
    ro.observe(viewport);
    cleanups.push(() => ro.disconnect());
  }

  // -- start -----------------------------------------------------------------------------------
  syncFullscreen();
  setMatched("");
  if (opts.url) loadUrl(opts.url);
  else if (typeof opts.svgText === "string" && opts.svgText) loadText(opts.svgText);
  else setStatus("error", "No flamegraph to show: give a URL or SVG text.");

  return {
    /** Load the SVG from a (new) signed URL. */
    setUrl(url) {
      opts.url = url;
      if (!opts.fileName) {
        fileName = fileNameFromUrl(url);
        nameEl.textContent = fileName;
      }
      return loadUrl(url);
    },
    /** Show SVG text directly (no fetch). */
    setSvgText(text) {
      return loadText(text);
    },
    /** Change the name used for downloads. */
    setFileName(name) {
      opts.fileName = name;
      fileName = name || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
      nameEl.textContent = fileName;
    },
    /** Change the maximum canvas height in CSS pixels. */
    setHeight,
    /** Run a search as if typed in the search box. */
    search(pattern) {
      searchInput.value = pattern || "";
      runSearch();
    },
    /** Undo frame zoom, zoom and pan. */
    reset: resetAll,
    /** Remove the viewer and every listener it installed. */
    destroy() {
      destroyed = true;
      loadToken++;
      clearTimeout(searchTimer);
      if (document.fullscreenElement === root) document.exitFullscreen().catch(() => {});
      for (const fn of cleanups.splice(0)) fn();
      root.remove();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// anywidget entry

/**
 * anywidget render: shows the `url` trait (or `svg_text`), asks the kernel for a fresh URL
 * (`{type: "refresh_url"}`) or for the bytes (`{type: "request_bytes"}`) when needed, and
 * reports `status` and `matched` back to Python.
 *
 * @param {{ model: object, el: HTMLElement }} ctx anywidget render context.
 * @returns {() => void} Cleanup.
 */
function render({ model, el: host }) {
  const pending = { refresh_url: null, request_bytes: null };

  function ask(type) {
    pending[type]?.reject(new Error("superseded by a newer request"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending[type] = null;
        reject(new Error(`the kernel did not answer within ${KERNEL_TIMEOUT_MS / 1000} s`));
      }, KERNEL_TIMEOUT_MS);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        pending[type] = null;
        fn(value);
      };
      pending[type] = { resolve: settle(resolve), reject: settle(reject) };
      model.send({ type });
    });
  }

  function sync(name, value) {
    if (model.get(name) === value) return;
    model.set(name, value);
    model.save_changes();
  }

  const url = model.get("url") || "";
  const text = model.get("svg_text") || "";
  const handle = mountViewer(host, {
    url: url || undefined,
    svgText: url ? undefined : text,
    fileName: model.get("file_name") || undefined,
    height: model.get("height"),
    refreshUrl: () => ask("refresh_url"),
    fallbackBytes: () => {
      const have = model.get("svg_text");
      return have ? Promise.resolve(have) : ask("request_bytes");
    },
    onStatus: (s) => sync("status", s),
    onMatched: (m) => sync("matched", m),
  });

  const onUrl = () => {
    const next = model.get("url") || "";
    if (pending.refresh_url) pending.refresh_url.resolve(next);
    else if (next) handle.setUrl(next);
  };
  const onText = () => {
    const next = model.get("svg_text") || "";
    if (pending.request_bytes) pending.request_bytes.resolve(next);
    else if (next && !model.get("url")) handle.setSvgText(next);
  };
  const onFileName = () => handle.setFileName(model.get("file_name") || "");
  const onHeight = () => handle.setHeight(model.get("height"));
  const onCustom = (msg) => {
    if (!msg || msg.type !== "error") return;
    const waiting = pending[msg.request];
    waiting?.reject(new Error(String(msg.message || "the kernel could not do it")));
  };
  model.on("change:url", onUrl);
  model.on("change:svg_text", onText);
  model.on("change:file_name", onFileName);
  model.on("change:height", onHeight);
  model.on("msg:custom", onCustom);

  return () => {
    model.off("change:url", onUrl);
    model.off("change:svg_text", onText);
    model.off("change:file_name", onFileName);
    model.off("change:height", onHeight);
    model.off("msg:custom", onCustom);
    for (const p of Object.values(pending)) p?.reject(new Error("the view was closed"));
    handle.destroy();
  };
}

export default { render };
