// The benchmark page: the history chart (the notebook HistoryViewer's own module, from
// /static/history.js) over the series embedded in the page; clicking a point opens its
// flamegraph, shift-clicking a second opens both side by side (there is no flamegraph diff yet).
import { mountHistoryChart } from "/static/history.js";
import { openFlamegraphs } from "/assets/dashboard.js";

const chartHost = document.getElementById("history-chart-host");
const data = document.getElementById("history-data");
const compare = document.getElementById("compare");

function describe(picked) {
  const p = picked.point;
  return [picked.seriesData.benchmark, picked.seriesData.branch, p.gitHash ? p.gitHash.slice(0, 10) : null]
    .filter(Boolean)
    .join(" · ");
}

if (chartHost && data) {
  const series = JSON.parse(data.textContent || "[]");
  const chart = mountHistoryChart(chartHost, {
    series,
    height: 320,
    onSelect(selection) {
      // Older point on the left, as in the chart.
      const picked = [...selection].sort((a, b) => Date.parse(a.point.startTime) - Date.parse(b.point.startTime));
      const withFlamegraph = picked.filter((p) => p.flamegraph);
      if (compare) {
        compare.hidden = picked.length === 0;
        compare.textContent = picked.length
          ? `Selected: ${picked.map(describe).join("  and  ")}` +
            (withFlamegraph.length < picked.length ? " (no flamegraph for every point)" : "")
          : "";
      }
      // One point opens at once; a shift-click second point opens both.
      if (!withFlamegraph.length) return;
      void openFlamegraphs(
        withFlamegraph.map((p) => ({
          id: p.flamegraph.id,
          url: p.flamegraph.url,
          fileName: p.flamegraph.fileName,
          context: describe(p),
        })),
      );
    },
  });
  window.addEventListener("pagehide", () => chart.destroy());
}
