// mountViewer: wires the DOM (dom.js), the frame index (frames.js), zoom state (zoom.js),
// frame zoom (framezoom.js), search (search.js) and loading (fetch.js) together. The SVG is
// sanitized (sanitize.js) and only then adopted into the canvas's shadow root, which also keeps
// the flamegraph's own <style> rules away from the host page.

import { buildViewerDom, downloadBytes } from "./dom.js";
import { acquireSvg } from "./fetch.js";
import { createFullscreen } from "./fullscreen.js";
import {
  DEFAULT_FILE_NAME,
  errorText,
  fileNameFromUrl,
  formatPercent,
  frameDetails,
  round4,
  zoomLabel,
} from "./format.js";
import { applyFrameZoom, restoreFrames } from "./framezoom.js";
import { frameNames, frameOfNode, indexFrames, parseFrameTitle, rootIsBelow } from "./frames.js";
import { sanitizeSvg } from "./sanitize.js";
import { mountStacksViewer } from "./stacksviewer.js";
import { compilePattern, matchFrames, searchFramesOf } from "./search.js";
import {
  ZOOM_STEP,
  clampView,
  contentHeight,
  fitWidth,
  homeView,
  initialView,
  isDrag,
  naturalSize,
  isWholeGraph,
  keepRowAt,
  panTo,
  screenYOf,
  transformOf,
  wheelFactor,
  zoomAt,
} from "./zoom.js";

const SEARCH_DEBOUNCE_MS = 150;
const DEFAULT_HEIGHT = 480;

/**
 * @typedef {object} ViewerOptions
 * @property {string} [url] Signed URL of the SVG.
 * @property {string} [svgText] SVG text to show when there is no URL.
 * @property {string} [fileName] Name used for downloads (default: from the URL).
 * @property {() => Promise<string>} [refreshUrl] Returns a fresh signed URL.
 * @property {() => Promise<string>} [fallbackBytes] Returns the SVG text by another route.
 * @property {number} [height] Maximum canvas height in CSS pixels (default 480); a shorter
 *   flamegraph gets a canvas just tall enough for it.
 * @property {(status: string) => void} [onStatus] Called with "loading", "ready" or
 *   "error: <message>".
 * @property {(matched: string) => void} [onMatched] Called with "12.34%" after a search, ""
 *   when the search is cleared.
 * @property {string} [folded] Folded stacks: when given, the flamegraph is drawn from them on
 *   a canvas (`mountStacksViewer`, which takes the options below too) and the SVG at `url`
 *   is only what the download button saves.
 * @property {string} [base] Folded stacks of the base profile: a differential flamegraph.
 * @property {"head" | "base"} [shape] Which side sizes a diff's frames.
 * @property {"flame" | "icicle"} [mode]
 * @property {Partial<import("./stacksviewer.js").StacksViewerState>} [state]
 * @property {(state: import("./stacksviewer.js").StacksViewerState) => void} [onState]
 */

/**
 * @typedef {object} ViewerHandle
 * @property {(url: string) => Promise<void>} setUrl Load the SVG from a (new) signed URL.
 * @property {(text: string) => Promise<void>} setSvgText Show SVG text directly (no fetch).
 * @property {(name: string) => void} setFileName Change the name used for downloads.
 * @property {(px: number) => void} setHeight Change the maximum canvas height in CSS pixels.
 * @property {(pattern: string) => void} search Run a search as if typed in the search box.
 * @property {() => void} reset Undo frame zoom, zoom and pan.
 * @property {() => void} destroy Remove the viewer and every listener it installed.
 */

/**
 * Mount a flamegraph viewer into `host`.
 *
 * The SVG is fetched in the browser through `url` (`credentials: "omit"`). On HTTP 400/401/403
 * (an expired signed URL; Supabase answers JSON errors with 400) `refreshUrl()` is called once
 * and the new URL tried; when the network fails, or the storage still refuses, `fallbackBytes()`
 * supplies the SVG text (the notebook kernel's copy). When everything fails the viewer shows an
 * error saying why.
 *
 * @param {HTMLElement} host Element to render into (its content is replaced).
 * @param {ViewerOptions} [options]
 * @returns {ViewerHandle}
 */
export function mountViewer(host, options = {}) {
  if (typeof options.folded === "string") {
    return /** @type {ViewerHandle} */ (
      /** @type {unknown} */ (mountStacksViewer(host, { ...options, folded: options.folded }))
    );
  }
  const opts = { ...options };
  let fileName = opts.fileName || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
  let loadToken = 0;
  /** @type {Uint8Array | null} original bytes, for download */
  let bytes = null;
  /** @type {Element | null} */
  let svg = null;
  /** @type {import("./frames.js").FrameIndex | null} */
  let fi = null;
  let view = initialView();
  let fontPx = 12;
  let fontMeasured = false;
  let vpSize = { w: 0, h: 0 }; // cached so that interactions never force a layout
  let focus = -1;
  let hover = -1;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  let destroyed = false;
  /** @type {(() => void)[]} */
  const cleanups = [];

  const dom = buildViewerDom(host, fileName);
  const { root, viewport, stage, searchInput, matchedEl, searchError, details } = dom;
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
    const full = status === "error" ? `error: ${message}` : status;
    try {
      opts.onStatus?.(full);
    } catch (err) {
      console.error("driftwatch viewer: onStatus failed", err);
    }
  }

  /** @param {number} px */
  function setHeight(px) {
    const h = Number(px) > 0 ? Number(px) : DEFAULT_HEIGHT;
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

  /** @param {import("./zoom.js").View} next */
  function apply(next) {
    view = clampView(next, viewportSize());
    stage.style.transform = transformOf(view);
    root.dataset.zoom = round4(view.zoom);
    dom.zoomLabel.textContent = zoomLabel(view.zoom);
  }

  function home() {
    view = fitWidth(view, viewportSize().w);
    // The height option is a maximum: a short flamegraph gets a short canvas, not blank space.
    const fitted = `${Math.ceil(contentHeight(view))}px`;
    if (root.style.getPropertyValue("--dw-content-height") !== fitted) {
      root.style.setProperty("--dw-content-height", fitted);
      vpSize = { w: 0, h: 0 }; // measured again below, once per load or width change
    }
    apply(homeView(view, viewportSize().h, rootIsBelow(fi, view.naturalH)));
  }

  /** @param {number} factor */
  function zoomCenter(factor) {
    const { w, h } = viewportSize();
    apply(zoomAt(view, factor, w / 2, h / 2));
  }

  // -- frame zoom ------------------------------------------------------------------------------
  function measureFont() {
    if (fontMeasured || !fi) return;
    fontMeasured = true;
    const sample = fi.texts[fi.root];
    const px = sample ? parseFloat(getComputedStyle(sample).fontSize) : NaN;
    if (px > 0) fontPx = px;
  }

  /** @param {number} i */
  function setFocus(i) {
    if (focus >= 0 && fi) fi.els[focus]?.classList.remove("dw-frame-focus");
    focus = i;
    if (focus >= 0 && fi) fi.els[focus].classList.add("dw-frame-focus");
  }

  function resetFrames() {
    if (!fi) return;
    restoreFrames(fi, stage);
    setFocus(-1);
    root.dataset.frameZoom = "1";
  }

  /** @param {number} i */
  function zoomToFrame(i) {
    if (!fi) return;
    const span = { x0: fi.x0, width: fi.width, fx: fi.xs[i], fw: fi.ws[i] };
    if (!(span.fw > 0)) return;
    const screenY = screenYOf(view, fi.ys[i]);
    if (isWholeGraph(span)) {
      resetFrames();
    } else {
      measureFont();
      const ratio = applyFrameZoom(fi, i, { stage, fontPx, naturalH: view.naturalH });
      setFocus(i);
      root.dataset.frameZoom = round4(ratio);
    }
    // Fit the width again (the frame now fills it) but keep the frame where the user clicked.
    view = fitWidth(view, viewportSize().w);
    apply(keepRowAt(view, screenY, fi.ys[i]));
  }

  function resetAll() {
    resetFrames();
    home();
  }

  // -- search ----------------------------------------------------------------------------------
  /** @param {string} text */
  function setMatched(text) {
    matchedEl.textContent = text ? `Matched: ${text}` : "";
    matchedEl.hidden = !text;
    try {
      opts.onMatched?.(text);
    } catch (err) {
      console.error("driftwatch viewer: onMatched failed", err);
    }
  }

  /** @param {Uint8Array | null} hits */
  function applyHighlight(hits) {
    if (!fi) return;
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
      applyHighlight(null);
      setMatched("");
      return;
    }
    const { re, error } = compilePattern(pattern);
    if (!re) {
      searchInput.setAttribute("aria-invalid", "true");
      searchError.textContent = error;
      return;
    }
    if (!fi) {
      setMatched(svg ? formatPercent(0) : "");
      return;
    }
    const { percent, hits } = matchFrames(searchFramesOf(fi, frameNames(fi)), re);
    applyHighlight(hits);
    setMatched(formatPercent(percent));
  }

  // -- hover details ---------------------------------------------------------------------------
  /** @param {number} i */
  function showDetails(i) {
    if (i === hover) return;
    if (hover >= 0) fi?.els[hover]?.classList.remove("dw-frame-hover");
    hover = i;
    if (i < 0 || !fi) {
      details.textContent = "";
      return;
    }
    fi.els[i].classList.add("dw-frame-hover");
    details.textContent = frameDetails(parseFrameTitle(fi.titles[i].textContent || ""));
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

  /** @param {string} text */
  function draw(text) {
    const { svg: clean } = sanitizeSvg(text);
    const size = naturalSize((name) => clean.getAttribute(name));
    if (size.viewBox) clean.setAttribute("viewBox", `0 0 ${size.w} ${size.h}`);
    clean.setAttribute("width", String(size.w));
    clean.setAttribute("height", String(size.h));
    clean.removeAttribute("style");
    clearDrawing();
    view = { ...view, naturalW: size.w, naturalH: size.h };
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

  /**
   * @param {string} text
   * @param {Uint8Array} original
   * @param {number} token
   */
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

  /** @param {string} url */
  async function loadUrl(url) {
    const token = ++loadToken;
    setStatus("loading");
    try {
      const got = await acquireSvg(url, {
        fileName,
        refreshUrl: opts.refreshUrl,
        fallbackBytes: opts.fallbackBytes,
        isCurrent: () => token === loadToken,
      });
      if (!got || token !== loadToken || destroyed) return;
      await show(got.text, got.original, token);
    } catch (err) {
      if (token !== loadToken || destroyed) return;
      clearDrawing();
      bytes = null;
      setStatus("error", errorText(err));
    }
  }

  /** @param {string} text */
  async function loadText(text) {
    const token = ++loadToken;
    setStatus("loading");
    await show(text, new TextEncoder().encode(text), token);
  }

  // -- full screen -----------------------------------------------------------------------------
  const fullscreen = createFullscreen(root, dom.fullscreenBtn);

  // -- events (delegated: a handful of listeners whatever the number of frames) ----------------
  listen(dom.zoomInBtn, "click", () => zoomCenter(ZOOM_STEP));
  listen(dom.zoomOutBtn, "click", () => zoomCenter(1 / ZOOM_STEP));
  listen(dom.resetBtn, "click", resetAll);
  listen(dom.fullscreenBtn, "click", fullscreen.toggle);
  listen(dom.downloadBtn, "click", () => {
    if (bytes) downloadBytes(root, bytes, fileName);
  });
  listen(document, "fullscreenchange", fullscreen.sync);
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
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "f") {
      ev.preventDefault();
      searchInput.focus();
    } else if (ev.key === "+" || ev.key === "=") zoomCenter(ZOOM_STEP);
    else if (ev.key === "-") zoomCenter(1 / ZOOM_STEP);
    else if (ev.key === "0") resetAll();
    else if (ev.key === "Escape" && fullscreen.isFallback()) fullscreen.toggle();
    else return;
    ev.stopPropagation();
  });

  // The wheel zooms only when the viewer has the focus (it was clicked or tabbed to) or Ctrl is
  // held; otherwise it scrolls the page, so a notebook with a flamegraph still scrolls past it.
  listen(
    viewport,
    "wheel",
    (/** @type {WheelEvent} */ ev) => {
      if (!svg) return;
      if (!ev.ctrlKey && !ev.metaKey && !root.contains(document.activeElement) && !fullscreen.isOn()) return;
      ev.preventDefault();
      const r = viewport.getBoundingClientRect();
      apply(zoomAt(view, wheelFactor(ev.deltaY, ev.deltaMode), ev.clientX - r.left, ev.clientY - r.top));
    },
    { passive: false },
  );

  /** @type {{ id: number, x: number, y: number, tx: number, ty: number, moved: boolean } | null} */
  let drag = null;
  let suppressClick = false;
  listen(viewport, "pointerdown", (/** @type {PointerEvent} */ ev) => {
    if (ev.button !== 0 || !svg) return;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty, moved: false };
    suppressClick = false;
  });
  listen(viewport, "pointermove", (/** @type {PointerEvent} */ ev) => {
    if (drag && drag.id === ev.pointerId) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && !isDrag(dx, dy)) return;
      if (!drag.moved) {
        drag.moved = true;
        // Capture only once it is a drag, so plain clicks still land on the frame. The cover
        // (grabbing cursor) takes the capture: its events still bubble to the viewport.
        viewport.classList.add("dw-dragging"); // a marker only: no rule restyles the frames
        dom.dragCover.hidden = false;
        dom.dragCover.setPointerCapture?.(ev.pointerId);
      }
      apply(panTo(view, drag.tx + dx, drag.ty + dy));
      return;
    }
    showDetails(frameOfNode(fi, /** @type {Node | null} */ (ev.target), stage));
  });
  const endDrag = (/** @type {PointerEvent} */ ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    suppressClick = drag.moved;
    drag = null;
    viewport.classList.remove("dw-dragging");
    dom.dragCover.hidden = true;
  };
  listen(viewport, "pointerup", endDrag);
  listen(viewport, "pointercancel", endDrag);
  listen(viewport, "pointerleave", () => {
    if (!drag) showDetails(-1);
  });
  listen(viewport, "click", (/** @type {MouseEvent} */ ev) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const i = frameOfNode(fi, /** @type {Node | null} */ (ev.target), stage);
    if (i >= 0) zoomToFrame(i);
  });
  listen(viewport, "dblclick", (/** @type {MouseEvent} */ ev) => {
    ev.preventDefault();
    resetAll();
  });

  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      vpSize = { w: box.width, h: box.height };
      if (!svg) return;
      if (view.atHome) home();
      else apply(fitWidth(view, viewportSize().w));
    });
    ro.observe(viewport);
    cleanups.push(() => ro.disconnect());
  }

  // -- start -----------------------------------------------------------------------------------
  fullscreen.sync();
  setMatched("");
  if (opts.url) loadUrl(opts.url);
  else if (typeof opts.svgText === "string" && opts.svgText) loadText(opts.svgText);
  else setStatus("error", "No flamegraph to show: give a URL or SVG text.");

  return {
    setUrl(url) {
      opts.url = url;
      if (!opts.fileName) {
        fileName = fileNameFromUrl(url);
        dom.nameEl.textContent = fileName;
      }
      return loadUrl(url);
    },
    setSvgText(text) {
      return loadText(text);
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
    destroy() {
      destroyed = true;
      loadToken++;
      clearTimeout(searchTimer);
      fullscreen.exit();
      for (const fn of cleanups.splice(0)) fn();
      root.remove();
    },
  };
}
