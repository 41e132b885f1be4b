// The anywidget entry: draws the `folded` trait (the stacks; with `base_folded`, a diff) on a
// canvas, or, for a picture-only flamegraph, shows the `url` trait (or `svg_text`); asks the
// kernel for a fresh URL (`{type: "refresh_url"}`) or for the bytes (`{type: "request_bytes"}`)
// when needed, and reports `status` and `matched` back to Python. The data view's zoom, mode
// and search survive a re-render of the widget (kept per model in a WeakMap).

import { createKernelChannel } from "./fetch.js";
import { mountStacksViewer } from "./stacksviewer.js";
import { mountViewer } from "./viewer.js";

/** @type {WeakMap<object, Partial<import("./stacksviewer.js").StacksViewerState>>} */
const savedViews = new WeakMap();

/**
 * @typedef {object} WidgetModel The part of an anywidget model the viewer uses.
 * @property {(name: string) => any} get
 * @property {(name: string, value: unknown) => void} set
 * @property {() => void} save_changes
 * @property {(msg: object) => void} send
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 */

/**
 * anywidget render.
 *
 * @param {{ model: WidgetModel, el: HTMLElement }} ctx anywidget render context.
 * @returns {() => void} Cleanup.
 */
export function render({ model, el: host }) {
  const kernel = createKernelChannel(model);

  /**
   * @param {string} name
   * @param {string} value
   */
  function sync(name, value) {
    if (model.get(name) === value) return;
    model.set(name, value);
    model.save_changes();
  }

  const url = model.get("url") || "";
  const text = model.get("svg_text") || "";
  const folded = model.get("folded") || "";
  if (folded) return renderStacks(model, host, kernel, sync);
  const handle = mountViewer(host, {
    url: url || undefined,
    svgText: url ? undefined : text,
    fileName: model.get("file_name") || undefined,
    height: model.get("height"),
    refreshUrl: () => kernel.ask("refresh_url"),
    fallbackBytes: () => {
      const have = model.get("svg_text");
      return have ? Promise.resolve(have) : kernel.ask("request_bytes");
    },
    onStatus: (s) => sync("status", s),
    onMatched: (m) => sync("matched", m),
  });

  const onUrl = () => {
    const next = model.get("url") || "";
    if (kernel.waiting("refresh_url")) kernel.answer("refresh_url", next);
    else if (next) handle.setUrl(next);
  };
  const onText = () => {
    const next = model.get("svg_text") || "";
    if (kernel.waiting("request_bytes")) kernel.answer("request_bytes", next);
    else if (next && !model.get("url")) handle.setSvgText(next);
  };
  const onFileName = () => handle.setFileName(model.get("file_name") || "");
  const onHeight = () => handle.setHeight(model.get("height"));
  /** @param {{ type?: string, request?: string, message?: unknown } | null} msg */
  const onCustom = (msg) => {
    if (!msg || msg.type !== "error" || typeof msg.request !== "string") return;
    kernel.fail(msg.request, new Error(String(msg.message || "the kernel could not do it")));
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
    kernel.closeAll(new Error("the view was closed"));
    handle.destroy();
  };
}

/**
 * The data view of the widget: `folded` (and `base_folded`, `shape`, `mode`) on a canvas.
 *
 * @param {WidgetModel} model
 * @param {HTMLElement} host
 * @param {import("./fetch.js").KernelChannel} kernel
 * @param {(name: string, value: string) => void} sync
 * @returns {() => void}
 */
function renderStacks(model, host, kernel, sync) {
  const base = () => {
    const b = model.get("base_folded") || "";
    return b ? b : undefined;
  };
  const handle = mountStacksViewer(host, {
    folded: model.get("folded") || "",
    base: base(),
    shape: model.get("shape") === "base" ? "base" : "head",
    mode: model.get("mode") === "icicle" ? "icicle" : "flame",
    url: model.get("url") || undefined,
    fileName: model.get("file_name") || undefined,
    height: model.get("height"),
    state: savedViews.get(model),
    refreshUrl: () => kernel.ask("refresh_url"),
    fallbackBytes: () => {
      const have = model.get("svg_text");
      return have ? Promise.resolve(have) : kernel.ask("request_bytes");
    },
    onStatus: (s) => sync("status", s),
    onMatched: (m) => sync("matched", m),
    onState: (state) => savedViews.set(model, state),
  });
  const onFolded = () => {
    savedViews.delete(model);
    void handle.setFolded(model.get("folded") || "", base());
  };
  const onShape = () => void handle.setShape(model.get("shape") === "base" ? "base" : "head");
  const onMode = () => handle.setMode(model.get("mode") === "icicle" ? "icicle" : "flame");
  const onUrl = () => {
    const next = model.get("url") || "";
    if (kernel.waiting("refresh_url")) kernel.answer("refresh_url", next);
    else handle.setUrl(next);
  };
  const onText = () => {
    if (kernel.waiting("request_bytes")) kernel.answer("request_bytes", model.get("svg_text") || "");
  };
  const onFileName = () => handle.setFileName(model.get("file_name") || "");
  const onHeight = () => handle.setHeight(model.get("height"));
  /** @param {{ type?: string, request?: string, message?: unknown } | null} msg */
  const onCustom = (msg) => {
    if (!msg || msg.type !== "error" || typeof msg.request !== "string") return;
    kernel.fail(msg.request, new Error(String(msg.message || "the kernel could not do it")));
  };
  /** @type {[string, (...args: any[]) => void][]} */
  const events = [
    ["change:folded", onFolded],
    ["change:base_folded", onFolded],
    ["change:shape", onShape],
    ["change:mode", onMode],
    ["change:url", onUrl],
    ["change:svg_text", onText],
    ["change:file_name", onFileName],
    ["change:height", onHeight],
    ["msg:custom", onCustom],
  ];
  for (const [ev, fn] of events) model.on(ev, fn);
  return () => {
    savedViews.set(model, handle.getState());
    for (const [ev, fn] of events) model.off(ev, fn);
    kernel.closeAll(new Error("the view was closed"));
    handle.destroy();
  };
}

export default { render };
