// The anywidget `render` of HistoryViewer: the `series` trait drawn by the history chart; a
// click sets `selected` (report ids) and opens the point's flamegraph below the chart in the
// flamegraph viewer (two selected points: both side by side). Signed URLs come with the data
// (`flamegraphs[].url`) or from the kernel (`{type: "flamegraph_urls", ids}`, answered with
// `{type: "flamegraph_urls", urls: {id: url}}`).

import { mountHistoryChart } from "./history.js";
import { mountViewer } from "./viewer.js";

/** @typedef {import("./widget.js").WidgetModel} WidgetModel */
/** @typedef {import("./history.js").Picked} Picked */

const KERNEL_TIMEOUT_MS = 30000;

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
  /** @type {((stacks: Record<string, string | null>) => void) | null} */
  let stacksWaiting = null;
  /** @type {((urls: Record<string, string>) => void) | null} */
  let waiting = null;
  /** @type {((e: Error) => void) | null} */
  let failing = null;

  /**
   * @param {string} name
   * @param {unknown} value
   */
  function sync(name, value) {
    model.set(name, value);
    model.save_changes();
  }

  /**
   * @param {string[]} ids
   * @returns {Promise<Record<string, string>>}
   */
  function askUrls(ids) {
    failing?.(new Error("superseded by a newer selection"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting = null;
        failing = null;
        reject(new Error(`the kernel did not answer within ${KERNEL_TIMEOUT_MS / 1000} s`));
      }, KERNEL_TIMEOUT_MS);
      waiting = (urls) => {
        clearTimeout(timer);
        waiting = null;
        failing = null;
        resolve(urls);
      };
      failing = (e) => {
        clearTimeout(timer);
        waiting = null;
        failing = null;
        reject(e);
      };
      model.send({ type: "flamegraph_urls", ids });
    });
  }

  /**
   * The flamegraphs' folded stacks from the kernel (`{type: "flamegraph_stacks", ids}`), so
   * the viewers draw them; null for a picture-only one, or for all of them when the kernel
   * does not answer in time (the viewers then show the SVGs).
   *
   * @param {string[]} ids
   * @returns {Promise<Record<string, string | null>>}
   */
  function askStacks(ids) {
    stacksWaiting?.({});
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stacksWaiting = null;
        resolve({});
      }, KERNEL_TIMEOUT_MS);
      stacksWaiting = (stacks) => {
        clearTimeout(timer);
        stacksWaiting = null;
        resolve(stacks);
      };
      model.send({ type: "flamegraph_stacks", ids });
    });
  }

  /** @param {Picked[]} selection */
  async function open(selection) {
    // Older point on the left, as in the chart.
    const picked = [...selection].sort(
      (a, b) => Date.parse(a.point.startTime) - Date.parse(b.point.startTime),
    );
    sync("selected", picked.map((p) => p.point.reportId));
    for (const v of viewers) v.destroy();
    viewers = [];
    panel.replaceChildren();
    const withFlamegraph = picked.filter((p) => p.flamegraph);
    if (!withFlamegraph.length) {
      if (picked.length) {
        const note = document.createElement("p");
        note.textContent = "This report has no flamegraph.";
        panel.append(note);
      }
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
      sync("status", `error: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const stacks = await askStacks(
      withFlamegraph.map((p) => /** @type {import("./chart.js").FlamegraphRef} */ (p.flamegraph).id),
    );
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
  /**
   * @param {{ type?: string, request?: string, urls?: Record<string, string>,
   *   stacks?: Record<string, string | null>, message?: unknown } | null} msg
   */
  const onCustom = (msg) => {
    if (!msg) return;
    if (msg.type === "flamegraph_urls" && msg.urls) waiting?.(msg.urls);
    else if (msg.type === "flamegraph_stacks" && msg.stacks) stacksWaiting?.(msg.stacks);
    else if (msg.type === "error" && msg.request === "flamegraph_stacks") stacksWaiting?.({});
    else if (msg.type === "error") failing?.(new Error(String(msg.message || "the kernel could not do it")));
  };
  model.on("change:series", onSeries);
  model.on("msg:custom", onCustom);

  return () => {
    model.off("change:series", onSeries);
    model.off("msg:custom", onCustom);
    failing?.(new Error("the view was closed"));
    for (const v of viewers) v.destroy();
    chart.destroy();
  };
}

export default { render };
