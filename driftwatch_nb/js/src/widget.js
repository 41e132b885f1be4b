// The anywidget entry: shows the `url` trait (or `svg_text`), asks the kernel for a fresh URL
// (`{type: "refresh_url"}`) or for the bytes (`{type: "request_bytes"}`) when needed, and
// reports `status` and `matched` back to Python.

import { createKernelChannel } from "./fetch.js";
import { mountViewer } from "./viewer.js";

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

export default { render };
