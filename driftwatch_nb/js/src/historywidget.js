// The anywidget `render` of HistoryViewer: the `series` trait drawn by the history chart; a
// click sets `selected` (report ids) and opens the point's flamegraph below the chart in the
// flamegraph viewer; a shift-click on a second point opens the diff of the two (base = the
// older point, head = the newer, whatever the click order): the kernel answers
// `{type: "flamegraph_diff", base, head}` with the server's summary, ranked functions and both
// sides' folded stacks (drawn on the canvas in diff mode); the differential SVG is only a
// download, asked for when pressed (`{type: "flamegraph_diff_svg", base, head}`). Signed URLs
// come with the data (`flamegraphs[].url`) or from the kernel (`{type: "flamegraph_urls", ids}`, answered with `{type: "flamegraph_urls", urls: {id: url}}`);
// the opened flamegraphs are drawn from their stacks (`{type: "flamegraph_stacks", ids}`).

import { diffPair } from "./diff.js";
import { mountDiffPanel } from "./diffpanel.js";
import { mountHistoryChart } from "./history.js";
import { mountViewer } from "./viewer.js";

/** @typedef {import("./widget.js").WidgetModel} WidgetModel */
/** @typedef {import("./history.js").Picked} Picked */
/** @typedef {import("./diff.js").DiffResult} DiffResult */

const KERNEL_TIMEOUT_MS = 30000;

/**
 * @typedef {object} DiffAnswer The kernel's answer to `flamegraph_diff`.
 * @property {string} base
 * @property {string} head
 * @property {string} summary
 * @property {boolean} [normalized]
 * @property {DiffResult["functions"]} functions
 * @property {string} baseFolded
 * @property {string} headFolded
 * @property {number} [foldedOmitted]
 */

/**
 * anywidget render.
 *
 * @param {{ model: WidgetModel, el: HTMLElement }} ctx anywidget render context.
 * @returns {() => void} Cleanup.
 */
export function render({ model, el: host }) {
  const chartHost = document.createElement("div");
  const panel = document.createElement("div");
  panel.className = "dw-history-flamegraphs";
  panel.dataset.testid = "history-flamegraphs";
  panel.style.cssText = "display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));margin-top:12px";
  host.append(chartHost, panel);

  /** @type {{ destroy: () => void }[]} */
  let viewers = [];
  /** Bumped by every selection: an answer for an older one is dropped. */
  let generation = 0;
  /** @type {Map<string, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
  const pending = new Map();

  /**
   * @param {string} name
   * @param {unknown} value
   */
  function sync(name, value) {
    model.set(name, value);
    model.save_changes();
  }

  /**
   * Send `{type, ...payload}` to the kernel and wait for its answer of the same type (one open
   * request per type: a newer one supersedes it).
   *
   * @param {string} type
   * @param {object} payload
   * @returns {Promise<any>}
   */
  function ask(type, payload) {
    pending.get(type)?.reject(new Error("superseded by a newer selection"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(type);
        reject(new Error(`the kernel did not answer within ${KERNEL_TIMEOUT_MS / 1000} s`));
      }, KERNEL_TIMEOUT_MS);
      /**
       * @param {(v: any) => void} fn
       * @returns {(v: any) => void}
       */
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        pending.delete(type);
        fn(value);
      };
      pending.set(type, { resolve: settle(resolve), reject: settle(reject) });
      model.send({ type, ...payload });
    });
  }

  /**
   * @param {string[]} ids
   * @returns {Promise<Record<string, string>>}
   */
  async function askUrls(ids) {
    const answer = await ask("flamegraph_urls", { ids });
    return answer.urls;
  }

  /**
   * The flamegraphs' folded stacks from the kernel (`{type: "flamegraph_stacks", ids}`), so
   * the viewers draw them; null for a picture-only one, and none at all when the kernel cannot
   * answer (the viewers then show the sanitized SVGs).
   *
   * @param {string[]} ids
   * @returns {Promise<Record<string, string | null>>}
   */
  async function askStacks(ids) {
    try {
      const answer = await ask("flamegraph_stacks", { ids });
      return answer.stacks || {};
    } catch {
      return {};
    }
  }

  function clear() {
    for (const v of viewers) v.destroy();
    viewers = [];
    panel.replaceChildren();
  }

  /** @param {string} text */
  function note(text) {
    const p = document.createElement("p");
    p.dataset.testid = "history-note";
    p.textContent = text;
    panel.append(p);
  }

  /**
   * Two points: their diff, below the chart.
   *
   * @param {Picked[]} picked
   * @param {number} mine
   */
  async function openDiff(picked, mine) {
    const pair = diffPair(picked);
    if (!pair.ok) {
      note(`Cannot compare: ${pair.reason}.`);
      sync("status", "no flamegraph");
      return;
    }
    panel.style.display = "block";
    const diffPanel = mountDiffPanel(panel, { base: pair.base, head: pair.head });
    viewers.push(diffPanel);
    sync("status", "diffing");
    /** @type {DiffAnswer} */
    let answer;
    try {
      answer = await ask("flamegraph_diff", {
        base: pair.base.flamegraphId,
        head: pair.head.flamegraphId,
      });
    } catch (e) {
      if (mine !== generation) return;
      const message = e instanceof Error ? e.message : String(e);
      diffPanel.fail(message);
      sync("status", `error: ${message}`);
      return;
    }
    if (mine !== generation) return;
    const ids = { base: pair.base.flamegraphId, head: pair.head.flamegraphId };
    // The SVG is only a download: asked of the kernel when the download button is pressed.
    diffPanel.show(answer, { svgText: async () => (await ask("flamegraph_diff_svg", ids)).svg });
    sync("status", "diff ready");
  }

  /** @param {Picked[]} selection */
  async function open(selection) {
    const mine = ++generation;
    // Older point first (on the left, and the diff's base), as in the chart.
    const picked = [...selection].sort(
      (a, b) => Date.parse(a.point.startTime) - Date.parse(b.point.startTime),
    );
    sync("selected", picked.map((p) => p.point.reportId));
    clear();
    panel.style.display = "grid";
    if (picked.length === 2) {
      await openDiff(picked, mine);
      return;
    }
    const withFlamegraph = picked.filter((p) => p.flamegraph);
    if (!withFlamegraph.length) {
      if (picked.length) note("This report has no flamegraph.");
      sync("status", picked.length ? "no flamegraph" : "ready");
      return;
    }
    const missing = withFlamegraph
      .map((p) => /** @type {import("./chart.js").FlamegraphRef & { url?: string }} */ (p.flamegraph))
      .filter((f) => !f.url)
      .map((f) => f.id);
    /** @type {Record<string, string>} */
    let urls = {};
    try {
      if (missing.length) urls = await askUrls(missing);
    } catch (e) {
      if (mine === generation) sync("status", `error: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (mine !== generation) return;
    const stacks = await askStacks(
      withFlamegraph.map((p) => /** @type {import("./chart.js").FlamegraphRef} */ (p.flamegraph).id),
    );
    if (mine !== generation) return;
    for (const p of withFlamegraph) {
      const fg = /** @type {import("./chart.js").FlamegraphRef & { url?: string }} */ (p.flamegraph);
      const folded = stacks[fg.id];
      const cell = document.createElement("div");
      cell.dataset.testid = "history-flamegraph";
      cell.dataset.reportId = p.point.reportId;
      const title = document.createElement("div");
      title.style.cssText = "font:600 13px system-ui,sans-serif;margin-bottom:4px";
      title.textContent = `${p.seriesData.benchmark} · ${p.point.gitHash ? p.point.gitHash.slice(0, 10) : p.point.reportId}`;
      const viewerHost = document.createElement("div");
      cell.append(title, viewerHost);
      panel.append(cell);
      viewers.push(
        mountViewer(viewerHost, {
          url: fg.url || urls[fg.id],
          folded: typeof folded === "string" && folded ? folded : undefined,
          fileName: fg.fileName,
          height: 360,
          refreshUrl: async () => (await askUrls([fg.id]))[fg.id],
        }),
      );
    }
    sync("status", `opened ${withFlamegraph.length}`);
  }

  const chart = mountHistoryChart(chartHost, {
    series: model.get("series") || [],
    height: model.get("height"),
    onSelect: (picked) => {
      void open(picked);
    },
  });
  sync("status", "ready");

  const onSeries = () => chart.setSeries(model.get("series") || []);
  /** @param {{ type?: string, request?: string, message?: unknown } | null} msg */
  const onCustom = (msg) => {
    if (!msg || typeof msg.type !== "string") return;
    if (msg.type === "error") {
      const error = new Error(String(msg.message || "the kernel could not do it"));
      if (typeof msg.request === "string") pending.get(msg.request)?.reject(error);
      else for (const p of Array.from(pending.values())) p.reject(error);
    } else {
      pending.get(msg.type)?.resolve(msg);
    }
  };
  model.on("change:series", onSeries);
  model.on("msg:custom", onCustom);

  return () => {
    model.off("change:series", onSeries);
    model.off("msg:custom", onCustom);
    for (const p of Array.from(pending.values())) p.reject(new Error("the view was closed"));
    clear();
    chart.destroy();
  };
}

export default { render };
