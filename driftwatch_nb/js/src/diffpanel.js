// The diff of two selected history points in the DOM: which point is the base and which the
// head, the server's one-sentence summary, the functions ranked by change in self time, and
// the differential flamegraph drawn from both sides' folded stacks on the canvas (diff mode:
// red where the self share grew, blue where it shrank; hover shows base/head/delta), the
// server's SVG only as a download. Shared by the notebook's HistoryViewer (historywidget.js)
// and the dashboard's benchmark page.

import { diffRows } from "./diff.js";
import { formatCount } from "./stacks.js";
import { mountViewer } from "./viewer.js";

/** @typedef {import("./diff.js").DiffResult} DiffResult */
/** @typedef {import("./diff.js").DiffSide} DiffSide */

/**
 * @typedef {object} DiffDrawing What the panel draws (GraphQL `FlamegraphDiff`'s stacks).
 * @property {string} baseFolded The base side's folded stacks.
 * @property {string} headFolded The head side's folded stacks.
 * @property {number} [foldedOmitted] Stacks left out of both to bound their size.
 */

/**
 * @typedef {object} DiffDownload The differential SVG, offered as a download only.
 * @property {string} [svgUrl] A same-origin URL of it (a "Download SVG" link).
 * @property {() => Promise<string>} [svgText] Its text (the viewer's download button).
 */

/**
 * @typedef {object} DiffPanel
 * @property {(diff: DiffResult & DiffDrawing, download?: DiffDownload) => void} show The diff
 *   arrived.
 * @property {(message: string) => void} fail It could not be computed: say why.
 * @property {() => void} destroy
 */

const CSS = `
.dw-diff { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
.dw-diff .dw-diff-head { font-weight: 600; margin: 0 0 4px; }
.dw-diff .dw-diff-head code { font-weight: 400; }
.dw-diff .dw-diff-summary { margin: 0 0 8px; }
.dw-diff .dw-diff-note { color: #59636e; margin: 0 0 8px; }
.dw-diff .dw-diff-error { color: #c92a2a; margin: 0 0 8px; }
.dw-diff table { border-collapse: collapse; margin: 0 0 10px; font-size: 12px; }
.dw-diff th, .dw-diff td { padding: 3px 10px 3px 0; text-align: left; border-bottom: 1px solid #e6e8eb; }
.dw-diff td.num, .dw-diff th.num { text-align: right; font-variant-numeric: tabular-nums; }
.dw-diff td.grew { color: #c92a2a; }
.dw-diff td.shrank { color: #1c7ed6; }
.dw-diff .dw-diff-download { margin-left: 8px; }
`;

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Mount the panel in `host`: "comparing…" until `show` (or `fail`) is called.
 *
 * @param {HTMLElement} host
 * @param {{ base: DiffSide, head: DiffSide, height?: number }} options
 * @returns {DiffPanel}
 */
export function mountDiffPanel(host, options) {
  const root = el("div", "dw-diff");
  root.dataset.testid = "history-diff";
  root.dataset.base = options.base.flamegraphId;
  root.dataset.head = options.head.flamegraphId;
  root.dataset.status = "loading";
  const style = el("style");
  style.textContent = CSS;
  const head = el("p", "dw-diff-head");
  head.append(
    document.createTextNode("Diff: base "),
    el("code", "", options.base.label),
    document.createTextNode(" → head "),
    el("code", "", options.head.label),
  );
  const note = el("p", "dw-diff-note", "Comparing the two flamegraphs…");
  root.append(style, head, note);
  host.append(root);
  /** @type {{ destroy: () => void } | null} */
  let viewer = null;

  return {
    show(diff, download) {
      note.remove();
      const summary = el("p", "dw-diff-summary", diff.summary);
      summary.dataset.testid = "history-diff-summary";
      const table = el("table");
      table.dataset.testid = "history-diff-functions";
      const header = el("tr");
      for (const [text, cls] of [
        ["Function", ""],
        ["Self, base", "num"],
        ["Self, head", "num"],
        ["Change", "num"],
      ]) {
        header.append(el("th", cls, text));
      }
      const thead = el("thead");
      thead.append(header);
      const tbody = el("tbody");
      for (const row of diffRows(diff)) {
        const tr = el("tr");
        tr.dataset.testid = "history-diff-function";
        const name = el("code", "", row.name);
        name.dataset.testid = "history-diff-function-name";
        const cell = el("td");
        cell.append(name);
        tr.append(
          cell,
          el("td", "num", row.before),
          el("td", "num", row.after),
          el("td", `num ${row.grew ? "grew" : "shrank"}`, row.change),
        );
        tbody.append(tr);
      }
      table.append(thead, tbody);
      const legend = el(
        "p",
        "dw-diff-note",
        "The head's flamegraph, coloured by change in self time: red grew, blue shrank.",
      );
      legend.dataset.testid = "history-diff-legend";
      if (download?.svgUrl) {
        const link = /** @type {HTMLAnchorElement} */ (el("a", "dw-diff-download", "Download SVG"));
        link.href = download.svgUrl;
        link.download = "diff.svg";
        link.dataset.testid = "history-diff-download";
        legend.append(link);
      }
      const viewerHost = el("div");
      viewerHost.dataset.testid = "history-diff-viewer";
      root.append(summary, table, legend);
      if (diff.foldedOmitted) {
        root.append(
          el(
            "p",
            "dw-diff-note",
            `${formatCount(diff.foldedOmitted)} of the lightest stacks are left out of the drawing.`,
          ),
        );
      }
      root.append(viewerHost);
      viewer = mountViewer(viewerHost, {
        folded: diff.headFolded,
        base: diff.baseFolded,
        mode: "flame",
        fileName: "diff.svg",
        fallbackBytes: download?.svgText,
        height: options.height ?? 360,
      });
      root.dataset.status = "ready";
    },
    fail(message) {
      note.className = "dw-diff-error";
      note.textContent = `The diff could not be computed: ${message}`;
      root.dataset.status = "error";
    },
    destroy() {
      viewer?.destroy();
      root.remove();
    },
  };
}
