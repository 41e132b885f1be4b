// The bundle's entry: the names the notebook widget, the dashboard and the tests import from
// /static/viewer.js.

export { ViewerError } from "./format.js";
export { parseFrameTitle } from "./frames.js";
export { sanitizeSvg } from "./sanitize.js";
export { mountViewer } from "./viewer.js";
export { mountStacksViewer } from "./stacksviewer.js";
export { buildTree, functionsOf, searchTree, sortFunctions } from "./stacks.js";
export { default } from "./widget.js";
