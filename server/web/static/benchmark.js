// The benchmark page: the history chart (the notebook HistoryViewer's own module, from
// /static/history.js) over the series embedded in the page (every branch that has the
// benchmark, main first); clicking a point opens its flamegraph, shift-clicking a second opens
// the diff of the two below the chart (base = the older point, head = the newer): the summary,
// functions and both sides' folded stacks from /api/flamegraphs/diff, drawn on the canvas in
// diff mode by the same diff panel as the notebook's; /api/flamegraphs/diff.svg is only the
// "Download SVG" link.
import { diffPair, mountDiffPanel, mountHistoryChart, pointLabel } from "/static/history.js";
import { openFlamegraphs } from "/assets/dashboard.js";

const chartHost = document.getElementById("history-chart-host");
const data = document.getElementById("history-data");
const compare = document.getElementById("compare");

let shown = null;
let generation = 0;

async function fetchOk(url, as) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    let reason = `HTTP ${response.status}`;
    try {
      const body = as === "json" ? await response.json() : { error: await response.text() };
      if (body && body.error) reason = body.error;
    } catch {
      // keep the status line
    }
    throw new Error(reason);
  }
  return as === "json" ? response.json() : response.text();
}

async function openDiff(pair) {
  const mine = ++generation;
  const query = `base=${encodeURIComponent(pair.base.flamegraphId)}&head=${encodeURIComponent(pair.head.flamegraphId)}`;
  shown = mountDiffPanel(compare, { base: pair.base, head: pair.head, height: 420 });
  const panel = shown;
  try {
    const diff = await fetchOk(`/api/flamegraphs/diff?${query}`, "json");
    const svgUrl = `/api/flamegraphs/diff.svg?${query}`;
    if (mine === generation) panel.show(diff, { svgUrl, svgText: () => fetchOk(svgUrl, "text") });
  } catch (error) {
    if (mine === generation) panel.fail(error.message);
  }
}

if (chartHost && data && compare) {
  const series = JSON.parse(data.textContent || "[]");
  const chart = mountHistoryChart(chartHost, {
    series,
    height: 320,
    onSelect(selection) {
      generation += 1;
      shown?.destroy();
      shown = null;
      compare.replaceChildren();
      compare.hidden = selection.length === 0;
      if (selection.length === 2) {
        const pair = diffPair(selection);
        if (pair.ok) void openDiff(pair);
        else compare.textContent = `Cannot compare: ${pair.reason}.`;
        return;
      }
      // One point: its flamegraph in the dialog.
      const [picked] = selection;
      if (!picked) return;
      if (!picked.flamegraph) {
        compare.textContent = `Selected: ${pointLabel(picked)} (no flamegraph)`;
        return;
      }
      compare.textContent = `Selected: ${pointLabel(picked)}; shift-click a second point to open the diff of the two.`;
      void openFlamegraphs([
        {
          id: picked.flamegraph.id,
          url: picked.flamegraph.url,
          fileName: picked.flamegraph.fileName,
          context: pointLabel(picked),
        },
      ]);
    },
  });
  window.addEventListener("pagehide", () => chart.destroy());
}
