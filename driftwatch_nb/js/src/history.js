// The history chart in the DOM: one SVG with a band (lower/upper) and a line per series, the
// segment levels between change points, change-point markers, a hover card with the report's
// details, and selection (click: one point; shift-click: a second, to diff). Shared by the notebook's
// HistoryViewer (historywidget.js) and the dashboard's benchmark page.

import {
  flamegraphFor,
  formatChange,
  formatValue,
  layoutChart,
  nearestPoint,
  nextSelection,
  timeTickLabel,
} from "./chart.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** @typedef {import("./chart.js").Series} Series */
/** @typedef {import("./chart.js").HistoryPoint} HistoryPoint */
/** @typedef {import("./chart.js").Layout} Layout */

/**
 * @typedef {object} Picked A selected point with what opening it needs.
 * @property {number} series
 * @property {number} index
 * @property {Series} seriesData
 * @property {HistoryPoint} point
 * @property {import("./chart.js").FlamegraphRef | null} flamegraph
 */

/**
 * @typedef {object} ChartOptions
 * @property {Series[]} series
 * @property {number} [height] Pixels (default 320).
 * @property {(picked: Picked[]) => void} [onSelect] Called after every click with the selection.
 */

const CSS = `
.dw-history { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
  position: relative; }
.dw-history .dw-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 6px; }
.dw-history .dw-legend span { display: inline-flex; align-items: center; gap: 6px; }
.dw-history .dw-legend i { width: 14px; height: 3px; border-radius: 2px; display: inline-block; }
.dw-history svg { display: block; width: 100%; overflow: visible; cursor: crosshair; }
.dw-history .dw-axis text { fill: #59636e; font-size: 11px; }
.dw-history .dw-grid { stroke: #e6e8eb; }
.dw-history .dw-change { stroke-width: 1.5; stroke-dasharray: 4 3; }
.dw-history .dw-change.regression { stroke: #c92a2a; }
.dw-history .dw-change.improvement { stroke: #2b8a3e; }
.dw-history .dw-change-label { font-size: 11px; font-weight: 600; }
.dw-history .dw-point.selected { stroke: #1f2328; stroke-width: 2.5; }
.dw-history .dw-tip { position: absolute; pointer-events: none; background: #fff;
  border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 8px; box-shadow: 0 4px 12px #0002;
  font-size: 12px; max-width: 280px; z-index: 2; }
.dw-history .dw-tip[hidden] { display: none; }
.dw-history .dw-tip code { font-size: 11px; }
.dw-history .dw-hint { color: #59636e; font-size: 12px; margin-top: 4px; }
`;

/**
 * @param {string} name
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svgEl(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return /** @type {SVGElement} */ (el);
}

/**
 * Mount the chart in `host`. Returns a handle to update, read the selection or destroy it.
 *
 * @param {HTMLElement} host
 * @param {ChartOptions} options
 */
export function mountHistoryChart(host, options) {
  const root = document.createElement("div");
  root.className = "dw-history";
  root.dataset.testid = "history-chart";
  const style = document.createElement("style");
  style.textContent = CSS;
  const legend = document.createElement("div");
  legend.className = "dw-legend";
  const svg = /** @type {SVGSVGElement} */ (svgEl("svg", { role: "img" }));
  const tip = document.createElement("div");
  tip.className = "dw-tip";
  tip.dataset.testid = "history-tip";
  tip.hidden = true;
  const hint = document.createElement("div");
  hint.className = "dw-hint";
  hint.textContent =
    "Click a point to open its flamegraph; shift-click a second point to open the diff of the two.";
  root.append(style, legend, svg, tip, hint);
  host.append(root);

  let series = options.series;
  const height = options.height ?? 320;
  /** @type {{ series: number, index: number }[]} */
  let selection = [];
  /** @type {Layout | null} */
  let layout = null;

  function width() {
    return Math.max(320, Math.round(root.getBoundingClientRect().width) || 720);
  }

  function draw() {
    const w = width();
    layout = layoutChart(series, { width: w, height });
    svg.setAttribute("viewBox", `0 0 ${w} ${height}`);
    svg.setAttribute("height", String(height));
    svg.setAttribute(
      "aria-label",
      `History of ${series.map((s) => s.benchmark).join(", ")}: ${series.reduce(
        (n, s) => n + s.points.length,
        0,
      )} points`,
    );
    svg.replaceChildren();
    legend.replaceChildren();
    const { margin, y } = layout;
    const measure = series[0]?.measure ?? "latency";

    const axis = svgEl("g", { class: "dw-axis" });
    for (const t of layout.yTicks) {
      const py = y.r0 + ((t - y.d0) / (y.d1 - y.d0)) * (y.r1 - y.r0);
      axis.append(svgEl("line", { class: "dw-grid", x1: margin.left, x2: w - margin.right, y1: py, y2: py }));
      const label = svgEl("text", { x: margin.left - 6, y: py + 4, "text-anchor": "end" });
      label.textContent = formatValue(t, measure);
      axis.append(label);
    }
    const span = layout.x.d1 - layout.x.d0;
    const step = layout.xTicks.length > 1 ? layout.xTicks[1] - layout.xTicks[0] : 86400000;
    for (const t of layout.xTicks) {
      const px = layout.x.r0 + ((t - layout.x.d0) / span) * (layout.x.r1 - layout.x.r0);
      if (px < margin.left - 1 || px > w - margin.right + 1) continue;
      const label = svgEl("text", { x: px, y: height - 8, "text-anchor": "middle" });
      label.textContent = timeTickLabel(t, step);
      axis.append(label);
    }
    svg.append(axis);

    for (const s of layout.series) {
      const data = series[s.series];
      const g = svgEl("g", {
        class: "dw-series",
        "data-testid": "history-series",
        "data-benchmark": data.benchmark,
        "data-branch": data.branch ?? "",
      });
      const banded = s.points.filter((p) => p.yLower !== null && p.yUpper !== null);
      if (banded.length > 1) {
        const top = banded.map((p) => `${p.x},${p.yUpper}`);
        const bottom = banded.map((p) => `${p.x},${p.yLower}`).reverse();
        g.append(
          svgEl("polygon", {
            class: "dw-band",
            "data-testid": "history-band",
            points: [...top, ...bottom].join(" "),
            fill: s.color,
            "fill-opacity": 0.12,
            stroke: "none",
          }),
        );
      }
      if (s.points.length > 1) {
        g.append(
          svgEl("polyline", {
            class: "dw-line",
            points: s.points.map((p) => `${p.x},${p.y}`).join(" "),
            fill: "none",
            stroke: s.color,
            "stroke-width": 1.25,
            "stroke-opacity": 0.7,
          }),
        );
      }
      for (const seg of s.segments) {
        g.append(
          svgEl("line", {
            class: "dw-segment",
            "data-testid": "history-segment",
            x1: seg.x0,
            x2: seg.x1,
            y1: seg.y,
            y2: seg.y,
            stroke: s.color,
            "stroke-width": 3,
            "stroke-linecap": "round",
          }),
        );
      }
      for (const c of s.changes) {
        const kind = (c.change.direction ?? "").toLowerCase();
        const marker = svgEl("line", {
          class: `dw-change ${kind}`,
          "data-testid": "change-point",
          "data-index": c.index,
          "data-report-id": c.point.reportId,
          "data-direction": c.change.direction ?? "",
          x1: c.x,
          x2: c.x,
          y1: margin.top,
          y2: height - margin.bottom,
        });
        const title = svgEl("title", {});
        title.textContent = `${formatChange(c.change.change)} at ${c.point.gitHash?.slice(0, 10) ?? c.point.reportId}`;
        marker.append(title);
        const label = svgEl("text", {
          class: "dw-change-label",
          x: Math.min(c.x + 4, w - margin.right - 40),
          y: margin.top + 10,
          fill: kind === "improvement" ? "#2b8a3e" : "#c92a2a",
        });
        label.textContent = formatChange(c.change.change);
        g.append(marker, label);
      }
      for (const p of s.points) {
        const selected = selection.some((a) => a.series === s.series && a.index === p.index);
        g.append(
          svgEl("circle", {
            class: `dw-point${selected ? " selected" : ""}`,
            "data-testid": "history-point",
            "data-index": p.index,
            "data-report-id": p.point.reportId,
            cx: p.x,
            cy: p.y,
            r: selected ? 5 : 3.5,
            fill: s.color,
          }),
        );
      }
      svg.append(g);
      const item = document.createElement("span");
      item.dataset.testid = "history-legend-item";
      const swatch = document.createElement("i");
      swatch.style.background = s.color;
      item.append(swatch, document.createTextNode(s.label));
      legend.append(item);
    }
  }

  /**
   * @param {MouseEvent} event
   */
  function pointerAt(event) {
    if (!layout) return null;
    const box = svg.getBoundingClientRect();
    if (!box.width) return null;
    const scale = layout.width / box.width;
    return nearestPoint(
      layout,
      (event.clientX - box.left) * scale,
      (event.clientY - box.top) * (layout.height / (box.height || layout.height)),
    );
  }

  /** @param {MouseEvent} event */
  function onMove(event) {
    const hit = pointerAt(event);
    if (!hit) {
      tip.hidden = true;
      return;
    }
    const data = series[hit.series];
    const p = hit.point;
    tip.replaceChildren();
    const head = document.createElement("strong");
    head.textContent = formatValue(p.value, data.measure);
    const lines = [
      head,
      document.createTextNode(
        typeof p.lower === "number" && typeof p.upper === "number"
          ? ` (${formatValue(p.lower, data.measure)} – ${formatValue(p.upper, data.measure)})`
          : "",
      ),
      document.createElement("br"),
      document.createTextNode(`${data.benchmark}${data.branch ? ` · ${data.branch}` : ""}`),
      document.createElement("br"),
      document.createTextNode(new Date(Date.parse(p.startTime)).toISOString().replace("T", " ").slice(0, 19)),
    ];
    if (p.gitHash) {
      const code = document.createElement("code");
      code.textContent = p.gitHash.slice(0, 10);
      lines.push(document.createTextNode(" · "), code);
    }
    const fg = flamegraphFor(p, data.benchmark);
    lines.push(document.createElement("br"), document.createTextNode(fg ? "click: flamegraph" : "no flamegraph"));
    tip.append(...lines);
    tip.hidden = false;
    const box = root.getBoundingClientRect();
    const left = Math.min(event.clientX - box.left + 12, box.width - 200);
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${event.clientY - box.top + 12}px`;
  }

  /** @param {MouseEvent} event */
  function onClick(event) {
    const hit = pointerAt(event);
    if (!hit) return;
    selection = nextSelection(selection, { series: hit.series, index: hit.index }, event.shiftKey);
    draw();
    options.onSelect?.(picked());
  }

  /** @returns {Picked[]} */
  function picked() {
    return selection.map((a) => {
      const seriesData = series[a.series];
      const point = seriesData.points[a.index];
      return {
        ...a,
        seriesData,
        point,
        flamegraph: flamegraphFor(point, seriesData.benchmark),
      };
    });
  }

  const onLeave = () => {
    tip.hidden = true;
  };
  /** @param {MouseEvent} event */
  const onDown = (event) => {
    // A shift-click adds a point; without this the browser also extends the page's text
    // selection from wherever it was to the chart.
    if (event.shiftKey) event.preventDefault();
  };
  svg.addEventListener("mousemove", onMove);
  svg.addEventListener("mouseleave", onLeave);
  svg.addEventListener("mousedown", onDown);
  svg.addEventListener("click", onClick);
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => draw()) : null;
  resize?.observe(root);
  draw();

  return {
    /** @param {Series[]} next */
    setSeries(next) {
      series = next;
      selection = [];
      draw();
    },
    selection: picked,
    destroy() {
      resize?.disconnect();
      svg.removeEventListener("mousemove", onMove);
      svg.removeEventListener("mouseleave", onLeave);
      svg.removeEventListener("mousedown", onDown);
      svg.removeEventListener("click", onClick);
      root.remove();
    },
  };
}
