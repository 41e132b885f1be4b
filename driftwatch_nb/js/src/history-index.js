// The history bundle's entry (driftwatch_nb/core/static/history.js): the chart the dashboard's
// benchmark page mounts, its pure logic, the diff panel of two selected points, and the
// anywidget default `{ render }` of HistoryViewer.

export * from "./chart.js";
export { diffPair, diffRows, pointLabel } from "./diff.js";
export { mountDiffPanel } from "./diffpanel.js";
export { mountHistoryChart } from "./history.js";
export { mountViewer } from "./viewer.js";
export { default } from "./historywidget.js";
