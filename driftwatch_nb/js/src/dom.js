// The viewer's DOM: toolbar, canvas (a shadow root holding the flamegraph), overlays and status
// bar. Builds elements only; what they do is wired in viewer.js.

// Rules scoped to the shadow root: they only ever touch the flamegraph, never the host page.
// The grabbing cursor of a drag lives on .dw-drag-cover, an empty sibling of the stage shown
// only while dragging: changing the viewport's (inherited) cursor instead would restyle every
// frame of a large flamegraph on each drag start and end.
export const SHADOW_CSS = `
.dw-viewport { position: absolute; inset: 0; overflow: hidden; cursor: grab; touch-action: none;
  user-select: none; -webkit-user-select: none; }
.dw-drag-cover { position: absolute; inset: 0; cursor: grabbing; }
.dw-drag-cover[hidden] { display: none; }
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

/**
 * An HTML element with attributes and optional text.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {string} testid
 * @param {string} label
 * @param {string} icon Trusted SVG markup.
 * @returns {HTMLButtonElement}
 */
function iconButton(testid, label, icon) {
  const b = el("button", { type: "button", class: "dw-btn", "data-testid": testid, "aria-label": label, title: label });
  b.innerHTML = icon; // trusted constant
  return b;
}

/**
 * @typedef {object} ViewerDom
 * @property {HTMLDivElement} root
 * @property {HTMLButtonElement} zoomInBtn
 * @property {HTMLButtonElement} zoomOutBtn
 * @property {HTMLButtonElement} resetBtn
 * @property {HTMLSpanElement} zoomLabel
 * @property {HTMLInputElement} searchInput
 * @property {HTMLSpanElement} searchError
 * @property {HTMLSpanElement} matchedEl
 * @property {HTMLSpanElement} nameEl
 * @property {HTMLButtonElement} downloadBtn
 * @property {HTMLButtonElement} fullscreenBtn
 * @property {HTMLDivElement} viewport Inside the canvas's shadow root.
 * @property {HTMLDivElement} stage Holds the flamegraph <svg>.
 * @property {HTMLDivElement} dragCover Shown while dragging (the grabbing cursor).
 * @property {HTMLDivElement} overlay The loading overlay.
 * @property {HTMLDivElement} errorEl
 * @property {HTMLSpanElement} details The hovered frame's description.
 */

/**
 * Replace `host`'s content with an empty viewer.
 *
 * @param {HTMLElement} host
 * @param {string} fileName Shown in the toolbar.
 * @returns {ViewerDom}
 */
export function buildViewerDom(host, fileName) {
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
  const dragCover = el("div", { class: "dw-drag-cover", hidden: "" });
  viewport.append(stage, dragCover);
  shadow.append(shadowStyle, viewport);
  const overlay = el("div", { class: "dw-overlay", "data-testid": "dw-loading" }, "Loading flamegraph…");
  const errorEl = el("div", { class: "dw-error", "data-testid": "dw-error", role: "alert", hidden: "" });
  const canvasWrap = el("div", { class: "dw-canvas-wrap" });
  canvasWrap.append(canvas, overlay, errorEl);

  const statusbar = el("div", { class: "dw-statusbar" });
  const details = el("span", { class: "dw-details", "data-testid": "dw-details" });
  const hint = el(
    "span",
    { class: "dw-hint" },
    "Click a frame to zoom · wheel to zoom (Ctrl+wheel until focused) · drag to pan",
  );
  statusbar.append(details, hint);
  root.append(toolbar, canvasWrap, statusbar);
  host.append(root);
  return {
    root, zoomInBtn, zoomOutBtn, resetBtn, zoomLabel, searchInput, searchError, matchedEl, nameEl,
    downloadBtn, fullscreenBtn, viewport, stage, dragCover, overlay, errorEl, details,
  };
}

/**
 * Save bytes as a file through a temporary object URL.
 *
 * @param {HTMLElement} parent Where the temporary link goes.
 * @param {Uint8Array} bytes
 * @param {string} fileName
 */
export function downloadBytes(parent, bytes, fileName) {
  const blob = new Blob([/** @type {BlobPart} */ (bytes)], { type: "image/svg+xml" });
  const href = URL.createObjectURL(blob);
  const a = el("a", { href, download: fileName, hidden: "" });
  parent.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}
