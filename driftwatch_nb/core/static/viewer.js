// GENERATED FILE, do not edit: bundled by esbuild from driftwatch_nb/js/src/ (entry index.js).
// Edit the sources there, then run `npm run build` in driftwatch_nb/js (see its README.md).
//
// driftwatch flamegraph viewer: one ES module shared by the notebook widget (anywidget) and
// the dashboard.

// src/format.js
var DEFAULT_FILE_NAME = "flamegraph.svg";
var CHAR_WIDTH_EM = 0.59;
var ViewerError = class extends Error {
};
function errorText(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
function fileNameFromUrl(url, baseHref = globalThis.location?.href) {
  try {
    const path = new URL(url, baseHref).pathname;
    const base = decodeURIComponent(path.split("/").pop() || "");
    return base || DEFAULT_FILE_NAME;
  } catch {
    return DEFAULT_FILE_NAME;
  }
}
function fitLabel(name, px, fontPx) {
  const chars = Math.floor((px - 3) / (fontPx * CHAR_WIDTH_EM));
  if (chars < 3) return "";
  return name.length <= chars ? name : `${name.slice(0, chars - 2)}..`;
}
function round4(value) {
  return String(Math.round(value * 1e4) / 1e4);
}
function zoomLabel(zoom) {
  return `${Math.round(zoom * 100)}%`;
}
function formatPercent(percent) {
  return `${percent.toFixed(2)}%`;
}
function frameDetails(t) {
  return t.count !== null ? `${t.name} — ${t.count} ${t.unit} (${t.percent}%)` : t.name;
}
function describeHttpStatus(status, body) {
  let detail = "";
  if (body !== null) {
    const head = body.slice(0, 4096);
    try {
      const json = JSON.parse(head);
      const parts = [json.error, json.message].filter((p) => typeof p === "string" && p);
      detail = parts.join(": ");
    } catch {
      detail = head.replace(/\s+/g, " ").trim().slice(0, 160);
    }
  }
  return `HTTP ${status}${detail ? ` (${detail})` : ""}`;
}

// src/frames.js
var TITLE_RE = /^([\s\S]*?) \(([\d,.]+) ([^,()]+), ([\d.]+)%\)$/;
var TITLE_SUFFIX_RE = /^([\s\S]*?) \([^()]*\)$/;
var PERCENT_HOLDER_WIDTH = 1180;
function parseFrameTitle(title) {
  const text = (title || "").trim();
  const m = TITLE_RE.exec(text);
  if (m) return { name: m[1], count: m[2], unit: m[3], percent: m[4] };
  const s = TITLE_SUFFIX_RE.exec(text);
  return { name: s ? s[1] : text, count: null, unit: null, percent: null };
}
function firstChildNamed(g, name) {
  for (let c = g.firstElementChild; c; c = c.nextElementSibling) {
    if (c.localName === name) return c;
  }
  return null;
}
function attrOf(rect, g, name) {
  const v = rect.getAttribute(name);
  return (v === null ? g.getAttribute(name) : v) ?? "";
}
function attr(node, name) {
  return node?.getAttribute(name) || "";
}
function ownerSvg(el2) {
  return (
    /** @type {SVGElement} */
    el2.ownerSVGElement ?? null
  );
}
function indexFrames(svg) {
  const groups = svg.getElementsByTagName("g");
  const els = [];
  const rects = [];
  const texts = [];
  const titles = [];
  const xs = [];
  const ws = [];
  const ys = [];
  const sx = [];
  const sw = [];
  let haveSamples = true;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    const title = firstChildNamed(g, "title");
    const rect = title && firstChildNamed(g, "rect");
    if (!title || !rect) continue;
    const w = parseFloat(attr(rect, "width"));
    const x = parseFloat(rect.getAttribute("x") || "0");
    if (!Number.isFinite(w) || !Number.isFinite(x)) continue;
    els.push(g);
    rects.push(rect);
    texts.push(firstChildNamed(g, "text"));
    titles.push(title);
    xs.push(x);
    ws.push(w);
    ys.push(parseFloat(rect.getAttribute("y") || "0"));
    if (haveSamples) {
      const fx = parseFloat(attrOf(rect, g, "fg:x"));
      const fw = parseFloat(attrOf(rect, g, "fg:w"));
      if (Number.isFinite(fx) && Number.isFinite(fw)) {
        sx.push(fx);
        sw.push(fw);
      } else {
        haveSamples = false;
      }
    }
  }
  const n = els.length;
  if (!n) return null;
  const holder = (
    /** @type {Element} */
    els[0].parentNode
  );
  let grouped = true;
  for (let i = 1; i < n && grouped; i++) grouped = els[i].parentNode === holder;
  if (grouped) {
    let count = 0;
    for (let c = holder.firstElementChild; c; c = c.nextElementSibling) count += Number(c.localName === "g");
    grouped = count === n;
  }
  let root = 0;
  for (let i = 1; i < n; i++) if (ws[i] > ws[root]) root = i;
  const percent = attr(rects[root], "width").trim().endsWith("%");
  let pxPerUnit = 1;
  if (percent) {
    const frameSvg = ownerSvg(rects[root]);
    const holderWidth = parseFloat(attr(frameSvg, "width"));
    const isAbs = frameSvg && !attr(frameSvg, "width").includes("%");
    pxPerUnit = (isAbs && holderWidth > 0 ? holderWidth : PERCENT_HOLDER_WIDTH) / 100;
  }
  let textDx = percent ? 0.25 : 3;
  const t0 = texts[root];
  if (t0) {
    const tx = parseFloat(attr(t0, "x"));
    if (Number.isFinite(tx) && tx >= xs[root]) textDx = tx - xs[root];
  }
  let totalSamples = 0;
  if (haveSamples) {
    const holderTotal = parseFloat(attr(ownerSvg(rects[root]), "total_samples"));
    totalSamples = Number.isFinite(holderTotal) && holderTotal > 0 ? holderTotal : sw[root];
  }
  return {
    n,
    els,
    rects,
    texts,
    titles,
    xs: Float64Array.from(xs),
    ws: Float64Array.from(ws),
    ys: Float64Array.from(ys),
    sx: haveSamples ? Float64Array.from(sx) : null,
    sw: haveSamples ? Float64Array.from(sw) : null,
    totalSamples,
    root,
    x0: xs[root],
    width: ws[root],
    unit: percent ? "%" : "",
    pxPerUnit,
    textDx,
    holder,
    grouped,
    rootBelow: null,
    names: null,
    indexOf: new Map(els.map((g, i) => [g, i])),
    state: new Uint8Array(n),
    orig: null,
    label: null,
    matched: new Uint8Array(n)
  };
}
function frameNames(fi) {
  if (!fi.names) {
    const names = new Array(fi.n);
    for (let i = 0; i < fi.n; i++) names[i] = parseFrameTitle(fi.titles[i].textContent || "").name;
    fi.names = names;
  }
  return fi.names;
}
function rootIsBelow(fi, naturalHeight) {
  if (!fi) return true;
  if (fi.rootBelow === null) fi.rootBelow = fi.ys[fi.root] >= naturalHeight / 2 || fi.n === 1;
  return fi.rootBelow;
}
function frameOfNode(fi, target, stop) {
  if (!fi) return -1;
  let node = target;
  while (node && node !== stop) {
    if (
      /** @type {Element} */
      node.localName === "g"
    ) {
      const i = fi.indexOf.get(
        /** @type {Element} */
        node
      );
      if (i !== void 0) return i;
    }
    node = node.parentNode;
  }
  return -1;
}

// src/sanitize.js
var SVG_NS = "http://www.w3.org/2000/svg";
var ALLOWED_ELEMENTS = /* @__PURE__ */ new Set([
  "svg",
  "g",
  "defs",
  "title",
  "desc",
  "rect",
  "circle",
  "ellipse",
  "line",
  "polyline",
  "polygon",
  "path",
  "text",
  "tspan",
  "lineargradient",
  "radialgradient",
  "stop",
  "clippath"
]);
var REGROUPED_ELEMENTS = /* @__PURE__ */ new Set(["a", "switch"]);
var PRESENTATION = {
  fill: "paint",
  stroke: "paint",
  "stop-color": "paint",
  color: "paint",
  "fill-opacity": "number",
  "stroke-opacity": "number",
  "stop-opacity": "number",
  opacity: "number",
  "stroke-width": "length",
  "stroke-miterlimit": "number",
  "stroke-dashoffset": "length",
  "stroke-dasharray": "dash",
  "font-size": "length",
  "letter-spacing": "length",
  "font-family": "font",
  "font-weight": "keyword",
  "font-style": "keyword",
  "text-anchor": "keyword",
  "dominant-baseline": "keyword",
  "alignment-baseline": "keyword",
  "fill-rule": "keyword",
  "clip-rule": "keyword",
  "stroke-linecap": "keyword",
  "stroke-linejoin": "keyword",
  "vector-effect": "keyword",
  "shape-rendering": "keyword",
  "text-rendering": "keyword",
  visibility: "keyword",
  display: "keyword",
  "clip-path": "clip"
};
var KEYWORD_LIMITS = {
  display: /* @__PURE__ */ new Set(["none", "inline"]),
  visibility: /* @__PURE__ */ new Set(["visible", "hidden", "collapse"])
};
var SHAPE = ["transform"];
var GEOMETRY = {
  svg: ["x", "y", "width", "height", "viewBox", "preserveAspectRatio", "version"],
  g: SHAPE,
  defs: [],
  title: [],
  desc: [],
  rect: [...SHAPE, "x", "y", "width", "height", "rx", "ry", "fg:x", "fg:w"],
  circle: [...SHAPE, "cx", "cy", "r"],
  ellipse: [...SHAPE, "cx", "cy", "rx", "ry"],
  line: [...SHAPE, "x1", "y1", "x2", "y2"],
  polyline: [...SHAPE, "points"],
  polygon: [...SHAPE, "points"],
  path: [...SHAPE, "d", "pathLength"],
  text: [...SHAPE, "x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust"],
  tspan: ["x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust"],
  lineargradient: ["x1", "y1", "x2", "y2", "gradientUnits", "gradientTransform", "spreadMethod", "href"],
  radialgradient: ["cx", "cy", "r", "fx", "fy", "fr", "gradientUnits", "gradientTransform", "spreadMethod", "href"],
  stop: ["offset"],
  clippath: ["clipPathUnits", ...SHAPE]
};
var ALLOWED_ATTRIBUTES = new Map(
  Object.entries(GEOMETRY).map(([el2, names]) => [el2, new Set(names.map((n) => n.toLowerCase()))])
);
var MAX_VALUE_LENGTH = 4096;
var COLOR_RE = /^(?:#[0-9a-f]{3,8}|[a-z]{3,24}|(?:rgba?|hsla?)\(\s*[-+0-9.eE%]+(?:\s*[,/\s]\s*[-+0-9.eE%]+){2,3}\s*\))$/i;
var FRAGMENT_URL_RE = /^url\(\s*(['"]?)#[\w.:-]{1,128}\1\s*\)$/;
var NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?%?$/i;
var LENGTH_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?:px|em|ex|pt|pc|mm|cm|in|%)?$/i;
var KEYWORD_RE = /^[a-z][a-z0-9-]{0,31}$/i;
var FONT_RE = /^[\w\s,'"-]{1,200}$/;
var GEOMETRY_RE = /^[\w\s.,%+#-]*$/;
var TRANSFORM_RE = /^(?:[\s,]*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([-+0-9.eE,\s]*\))*[\s,]*$/;
var FRAGMENT_RE = /^#[\w.:-]{1,128}$/;
var ID_RE = /^[A-Za-z_][\w.:-]{0,127}$/;
function isSafePresentationValue(property, value) {
  const kind = Object.hasOwn(PRESENTATION, property) ? PRESENTATION[property] : void 0;
  const v = value.trim();
  if (!kind || !v || v.length > MAX_VALUE_LENGTH || /[\\@;{}<>]/.test(v)) return false;
  switch (kind) {
    case "paint":
      return COLOR_RE.test(v) || FRAGMENT_URL_RE.test(v);
    case "clip":
      return v === "none" || FRAGMENT_URL_RE.test(v);
    case "number":
      return NUMBER_RE.test(v);
    case "length":
      return LENGTH_RE.test(v) || /^(?:normal|small|medium|large|x-large|smaller|larger)$/i.test(v);
    case "dash":
      return v === "none" || v.split(/[\s,]+/).every((p) => LENGTH_RE.test(p));
    case "font":
      return FONT_RE.test(v);
    case "keyword": {
      const limit = KEYWORD_LIMITS[
        /** @type {"display" | "visibility"} */
        property
      ];
      return KEYWORD_RE.test(v) && (!limit || limit.has(v.toLowerCase()));
    }
    default:
      return false;
  }
}
function safeDeclarations(css) {
  const out = [];
  if (css.length > 65536) return out;
  for (const part of css.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const property = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).replace(/!\s*important\s*$/i, "").trim();
    if (/\/\*/.test(part) || !isSafePresentationValue(property, value)) continue;
    out.push([property, value]);
  }
  return out;
}
function styleText(declarations) {
  return [...declarations].map(([p, v]) => `${p}: ${v}`).join("; ");
}
function elementVerdict(localName, namespaceURI) {
  if (namespaceURI !== SVG_NS) return "drop";
  const name = localName.toLowerCase();
  if (ALLOWED_ELEMENTS.has(name)) return "keep";
  return REGROUPED_ELEMENTS.has(name) ? "group" : "drop";
}
function sanitizeAttribute(element, name, value) {
  const el2 = element.toLowerCase();
  const attr2 = name.toLowerCase();
  if (attr2.startsWith("xmlns")) return value;
  if (attr2 === "id") return ID_RE.test(value) ? value : null;
  if (attr2 === "xml:space") return value === "preserve" || value === "default" ? value : null;
  if (attr2 === "style") {
    const kept = safeDeclarations(value);
    return kept.length ? styleText(kept) : null;
  }
  if (Object.hasOwn(PRESENTATION, attr2)) return isSafePresentationValue(attr2, value) ? value : null;
  const local = attr2 === "xlink:href" ? "href" : attr2;
  if (!ALLOWED_ATTRIBUTES.get(el2)?.has(local)) return null;
  if (local === "href") return FRAGMENT_RE.test(value.trim()) ? value.trim() : null;
  if (local === "transform" || local === "gradienttransform") return TRANSFORM_RE.test(value) ? value : null;
  if (local === "fg:x" || local === "fg:w") return NUMBER_RE.test(value.trim()) ? value : null;
  return GEOMETRY_RE.test(value) ? value : null;
}
function simpleRules(css) {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  if (/[\\@]/.test(text) || text.length > 65536) return [];
  const rules = [];
  for (const m of text.matchAll(/([^{}]*)\{([^{}]*)\}/g)) {
    const selector = m[1].trim();
    if (!selector || selector.length > 200 || !/^[\w\s.#,>*-]+$/.test(selector)) continue;
    if (selector.split(",").some((s) => !s.trim())) continue;
    const declarations = safeDeclarations(m[2]);
    if (declarations.length) rules.push([selector, declarations]);
    if (rules.length >= 200) break;
  }
  return rules;
}
var PARSE_TIME_ELEMENTS_RE = /^((?:[^:]*:)?)(base)$/i;
function defuseMarkup(text) {
  if (!/[\s:]on|base/i.test(text)) return text;
  const markup = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<![^>]*>|<\/([^\s>]+)(\s*)>|<([^\s/>!?][^\s/>]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)(\s*\/?>)/g;
  const attribute = /(\s+)([^\s=/>]+)(\s*=\s*(?:"[^"]*"|'[^']*'))/g;
  const tagName = (name) => name.replace(PARSE_TIME_ELEMENTS_RE, "$1dw-dropped-$2");
  return text.replace(
    markup,
    (tag, endName, endSpace, name, attrs, close) => {
      if (endName !== void 0) return `</${tagName(endName)}${endSpace}>`;
      if (name === void 0) return tag;
      const renamed = attrs && /[\s:]on/i.test(attrs) ? attrs.replace(
        attribute,
        (all, sp, attr2, rest) => /^(?:[^:]*:)?on/i.test(attr2) ? `${sp}dw-dropped-${attr2.replace(/:/g, "-")}${rest}` : all
      ) : attrs;
      return `<${tagName(name)}${renamed ?? ""}${close}`;
    }
  );
}
function precheckSvgText(text) {
  if (typeof text !== "string" || !text.trim()) return "the file is empty";
  const rootAt = text.search(/<svg[\s>]/i);
  const prolog = rootAt >= 0 ? text.slice(0, rootAt) : text.slice(0, 65536);
  if (/<!ENTITY/i.test(prolog)) return "the SVG declares XML entities, which flamegraphs never need";
  return null;
}
function sanitizeAttributes(el2) {
  const name = el2.localName;
  const attrs = el2.attributes;
  for (let i = attrs.length - 1; i >= 0; i--) {
    const attr2 = attrs[i];
    const next = attr2.namespaceURI === "http://www.w3.org/2000/xmlns/" ? attr2.value : sanitizeAttribute(name, attr2.name, attr2.value);
    if (next === null) el2.removeAttributeNode(attr2);
    else if (next !== attr2.value) attr2.value = next;
  }
}
function inlineRules(root, sheets) {
  const styles = /* @__PURE__ */ new Map();
  for (const sheet of sheets) {
    for (const [selector, declarations] of simpleRules(sheet)) {
      let matched;
      try {
        matched = root.querySelectorAll(selector);
      } catch {
        continue;
      }
      for (const el2 of matched) {
        let style = styles.get(el2);
        if (!style) styles.set(el2, style = /* @__PURE__ */ new Map());
        for (const [p, v] of declarations) style.set(p, v);
      }
    }
  }
  for (const [el2, style] of styles) {
    for (const [p, v] of safeDeclarations(el2.getAttribute("style") || "")) style.set(p, v);
    el2.setAttribute("style", styleText(style));
  }
}
function sanitizeSvg(text) {
  const refused = precheckSvgText(text);
  if (refused) throw new ViewerError(refused);
  const doc = new DOMParser().parseFromString(defuseMarkup(text), "image/svg+xml");
  const problem = doc.getElementsByTagName("parsererror")[0];
  if (problem) {
    const detail = (problem.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200);
    throw new ViewerError(`the file is not well-formed XML (${detail || "parse error"})`);
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) {
    throw new ViewerError("the file is XML but its root element is not an SVG <svg>");
  }
  const sheets = [...root.getElementsByTagNameNS(SVG_NS, "style")].map((s) => s.textContent || "");
  if (sheets.length) inlineRules(root, sheets);
  let removed = 0;
  const all = root.getElementsByTagName("*");
  const elements = [root];
  for (let i = 0; i < all.length; i++) elements.push(all[i]);
  for (const el2 of elements) {
    if (!el2.isConnected) continue;
    if (el2 === root) {
      sanitizeAttributes(el2);
      continue;
    }
    const verdict = elementVerdict(el2.localName, el2.namespaceURI);
    if (verdict === "keep") {
      sanitizeAttributes(el2);
      continue;
    }
    removed++;
    if (verdict === "group") {
      const g = doc.createElementNS(SVG_NS, "g");
      for (const attr2 of el2.attributes) {
        const value = sanitizeAttribute("g", attr2.name, attr2.value);
        if (value !== null && !attr2.name.startsWith("xmlns")) g.setAttribute(attr2.name, value);
      }
      g.append(...el2.childNodes);
      el2.replaceWith(g);
    } else el2.remove();
  }
  const walker = doc.createTreeWalker(root, 128 | 64);
  const stray = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) stray.push(n);
  for (const n of stray) n.parentNode?.removeChild(n);
  return { svg: (
    /** @type {SVGSVGElement} */
    /** @type {unknown} */
    root
  ), removed };
}

// src/dom.js
var SHADOW_CSS = `
.dw-viewport { position: absolute; inset: 0; overflow: hidden; cursor: grab; touch-action: none;
  user-select: none; -webkit-user-select: none; }
.dw-drag-cover { position: absolute; inset: 0; cursor: grabbing; }
.dw-drag-cover[hidden] { display: none; }
.dw-stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.dw-stage > svg { display: block; overflow: hidden; }
.dw-fg g.dw-frame-hidden,
.dw-fg.dw-zoomed .dw-frames > g:not(.dw-frame-in) { visibility: hidden; }
.dw-fg g.dw-frame-parent { opacity: 0.55; }
.dw-fg g.dw-frame-match > rect { fill: rgb(230, 0, 230); }
.dw-fg g.dw-frame-hover > rect { stroke: #111; stroke-width: 1px; vector-effect: non-scaling-stroke; }
.dw-fg g.dw-frame-focus > rect { stroke: #111; stroke-width: 1.5px; vector-effect: non-scaling-stroke; }
.dw-fg text#search, .dw-fg text#ignorecase, .dw-fg text#unzoom, .dw-fg text#matched,
.dw-fg text#details { display: none; }
`;
var ICONS = {
  zoomIn: '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14M5 7h4M7 5v4"/></svg>',
  zoomOut: '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14M5 7h4"/></svg>',
  reset: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 8a5 5 0 1 0 1.6-3.7"/><path d="M3 2.5v3h3"/></svg>',
  fullscreen: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10"/></svg>',
  download: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10"/></svg>',
  search: '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/></svg>'
};
function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== void 0) node.textContent = text;
  return node;
}
function iconButton(testid, label, icon) {
  const b = el("button", { type: "button", class: "dw-btn", "data-testid": testid, "aria-label": label, title: label });
  b.innerHTML = icon;
  return b;
}
function buildViewerDom(host, fileName) {
  host.replaceChildren();
  const root = el("div", {
    class: "dw-viewer",
    "data-testid": "dw-viewer",
    "data-zoom": "1",
    "data-frame-zoom": "1",
    "data-status": "loading",
    "data-fullscreen": "false",
    tabindex: "0"
  });
  const toolbar = el("div", { class: "dw-toolbar", role: "toolbar", "aria-label": "Flamegraph tools" });
  const zoomOutBtn = iconButton("dw-zoom-out", "Zoom out", ICONS.zoomOut);
  const zoomInBtn = iconButton("dw-zoom-in", "Zoom in", ICONS.zoomIn);
  const resetBtn = iconButton("dw-reset", "Reset zoom (double-click)", ICONS.reset);
  const zoomLabel2 = el("span", { class: "dw-zoom-label", "data-testid": "dw-zoom-label" }, "100%");
  const searchWrap = el("label", { class: "dw-search" });
  searchWrap.innerHTML = ICONS.search;
  const searchInput = el("input", {
    type: "search",
    "data-testid": "dw-search",
    placeholder: "Search frames (regex)",
    "aria-label": "Search frames by regular expression",
    spellcheck: "false",
    autocomplete: "off"
  });
  searchWrap.append(searchInput);
  const searchError = el("span", { class: "dw-search-error", "data-testid": "dw-search-error", role: "alert" });
  const matchedEl = el("span", { class: "dw-matched", "data-testid": "dw-matched", "aria-live": "polite" });
  const spacer = el("span", { class: "dw-spacer" });
  const nameEl = el("span", { class: "dw-file", "data-testid": "dw-file-name" }, fileName);
  const downloadBtn = iconButton("dw-download", "Download SVG", ICONS.download);
  const fullscreenBtn = iconButton("dw-fullscreen", "Full screen", ICONS.fullscreen);
  const sep = () => el("span", { class: "dw-sep", "aria-hidden": "true" });
  toolbar.append(
    zoomOutBtn,
    zoomInBtn,
    resetBtn,
    zoomLabel2,
    sep(),
    searchWrap,
    matchedEl,
    searchError,
    spacer,
    nameEl,
    downloadBtn,
    fullscreenBtn
  );
  const canvas = el("div", { class: "dw-canvas", "data-testid": "dw-canvas" });
  const shadow = canvas.attachShadow({ mode: "open" });
  const shadowStyle = document.createElement("style");
  shadowStyle.textContent = SHADOW_CSS;
  const viewport = el("div", { class: "dw-viewport", part: "viewport" });
  const stage = el("div", { class: "dw-stage" });
  const dragCover = el("div", { class: "dw-drag-cover", hidden: "" });
  viewport.append(stage, dragCover);
  shadow.append(shadowStyle, viewport);
  const overlay = el("div", { class: "dw-overlay", "data-testid": "dw-loading" }, "Loading flamegraph…");
  const errorEl = el("div", { class: "dw-error", "data-testid": "dw-error", role: "alert", hidden: "" });
  const canvasWrap = el("div", { class: "dw-canvas-wrap" });
  canvasWrap.append(canvas, overlay, errorEl);
  const statusbar = el("div", { class: "dw-statusbar" });
  const details = el("span", { class: "dw-details", "data-testid": "dw-details" });
  const hint = el(
    "span",
    { class: "dw-hint" },
    "Click a frame to zoom · wheel to zoom (Ctrl+wheel until focused) · drag to pan"
  );
  statusbar.append(details, hint);
  root.append(toolbar, canvasWrap, statusbar);
  host.append(root);
  return {
    root,
    zoomInBtn,
    zoomOutBtn,
    resetBtn,
    zoomLabel: zoomLabel2,
    searchInput,
    searchError,
    matchedEl,
    nameEl,
    downloadBtn,
    fullscreenBtn,
    viewport,
    stage,
    dragCover,
    overlay,
    errorEl,
    details
  };
}
function downloadBytes(parent, bytes, fileName) {
  const blob = new Blob([
    /** @type {BlobPart} */
    bytes
  ], { type: "image/svg+xml" });
  const href = URL.createObjectURL(blob);
  const a = el("a", { href, download: fileName, hidden: "" });
  parent.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 6e4);
}

// src/fetch.js
var REFRESHABLE_STATUSES = /* @__PURE__ */ new Set([400, 401, 403]);
var KERNEL_TIMEOUT_MS = 2e4;
async function describeHttpError(res) {
  let body = null;
  try {
    body = await res.text();
  } catch {
  }
  return describeHttpStatus(res.status, body);
}
async function acquireSvg(url, options) {
  const doFetch = options.fetch ?? ((u, init) => fetch(u, init));
  const isCurrent = options.isCurrent ?? (() => true);
  const problems = [];
  let current = url;
  let refreshed = false;
  for (; ; ) {
    let res;
    try {
      res = await doFetch(current, { credentials: "omit" });
    } catch (err) {
      problems.push(`the browser could not fetch the flamegraph (CORS?) (${errorText(err)})`);
      break;
    }
    if (!isCurrent()) return null;
    if (res.ok) {
      const buf = new Uint8Array(await res.arrayBuffer());
      return { text: new TextDecoder("utf-8").decode(buf), original: buf };
    }
    const status = res.status;
    problems.push(`the storage answered ${await describeHttpError(res)}`);
    if (REFRESHABLE_STATUSES.has(status) && !refreshed && options.refreshUrl) {
      refreshed = true;
      try {
        const next = await options.refreshUrl();
        if (!isCurrent()) return null;
        if (typeof next !== "string" || !next) throw new Error("no URL was returned");
        current = next;
        continue;
      } catch (err) {
        problems.push(`refreshing the signed URL failed (${errorText(err)})`);
      }
    }
    break;
  }
  if (options.fallbackBytes) {
    try {
      const text = await options.fallbackBytes();
      if (!isCurrent()) return null;
      if (typeof text === "string" && text) return { text, original: new TextEncoder().encode(text) };
      problems.push("the kernel has no copy of the file");
    } catch (err) {
      problems.push(`asking the kernel for the file failed (${errorText(err)})`);
    }
  }
  throw new ViewerError(`Could not load ${options.fileName}: ${problems.join("; ")}.`);
}
function createKernelChannel(model, options = {}) {
  const timeoutMs = options.timeoutMs ?? KERNEL_TIMEOUT_MS;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
  const pending = /* @__PURE__ */ new Map();
  return {
    ask(type) {
      pending.get(type)?.reject(new Error("superseded by a newer request"));
      return new Promise((resolve, reject) => {
        const timer = setTimer(() => {
          pending.delete(type);
          reject(new Error(`the kernel did not answer within ${timeoutMs / 1e3} s`));
        }, timeoutMs);
        const settle = (fn) => (value) => {
          clearTimer(timer);
          pending.delete(type);
          fn(value);
        };
        pending.set(type, { resolve: settle(resolve), reject: settle(reject) });
        model.send({ type });
      });
    },
    waiting(type) {
      return pending.has(type);
    },
    answer(type, value) {
      pending.get(type)?.resolve(value);
    },
    fail(type, reason) {
      pending.get(type)?.reject(reason);
    },
    closeAll(reason) {
      for (const p of Array.from(pending.values())) p.reject(reason);
    }
  };
}

// src/fullscreen.js
function createFullscreen(root, button) {
  const isFallback = () => root.classList.contains("dw-fs-fallback");
  const isOn = () => document.fullscreenElement === root || isFallback();
  function sync() {
    const on = isOn();
    root.dataset.fullscreen = String(on);
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? "Exit full screen" : "Full screen";
  }
  async function toggle() {
    if (isFallback()) {
      root.classList.remove("dw-fs-fallback");
    } else if (document.fullscreenElement === root) {
      try {
        await document.exitFullscreen();
      } catch {
      }
    } else {
      try {
        if (!root.requestFullscreen) throw new Error("no Fullscreen API");
        await root.requestFullscreen();
      } catch {
        root.classList.add("dw-fs-fallback");
      }
    }
    sync();
  }
  function exit() {
    if (document.fullscreenElement === root) document.exitFullscreen().catch(() => {
    });
  }
  return { toggle, sync, isOn, isFallback, exit };
}

// src/zoom.js
var ZOOM_MIN = 0.25;
var ZOOM_MAX = 200;
var ZOOM_STEP = 1.25;
var DRAG_THRESHOLD_PX = 4;
function initialView() {
  return { naturalW: 1200, naturalH: 800, base: 1, zoom: 1, tx: 0, ty: 0, atHome: true };
}
function naturalSize(getAttribute) {
  const vb = (getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
  if (vb.length === 4 && vb.every(Number.isFinite) && vb[2] > 0 && vb[3] > 0) {
    return { w: vb[2], h: vb[3], viewBox: false };
  }
  const w = parseFloat(getAttribute("width") || "");
  const h = parseFloat(getAttribute("height") || "");
  const ok = (v, a) => Number.isFinite(v) && v > 0 && !String(getAttribute(a)).includes("%");
  return { w: ok(w, "width") ? w : 1200, h: ok(h, "height") ? h : 800, viewBox: true };
}
function fitWidth(view, viewportW) {
  return { ...view, base: viewportW / view.naturalW };
}
function scaleOf(view) {
  return view.base * view.zoom;
}
function contentHeight(view) {
  return view.naturalH * view.base;
}
function clampView(view, vp) {
  const s = scaleOf(view);
  const cw = view.naturalW * s;
  const ch = view.naturalH * s;
  const tx = cw <= vp.w ? Math.min(Math.max(view.tx, 0), vp.w - cw) : Math.min(Math.max(view.tx, vp.w - cw), 0);
  const ty = ch <= vp.h ? Math.min(Math.max(view.ty, 0), vp.h - ch) : Math.min(Math.max(view.ty, vp.h - ch), 0);
  return tx === view.tx && ty === view.ty ? view : { ...view, tx, ty };
}
function transformOf(view) {
  return `translate(${view.tx}px, ${view.ty}px) scale(${scaleOf(view)})`;
}
function homeView(view, viewportH, rootBelow) {
  const ch = contentHeight(view);
  const ty = ch > viewportH && rootBelow ? viewportH - ch : 0;
  return { ...view, zoom: 1, tx: 0, ty, atHome: true };
}
function zoomAt(view, factor, px, py) {
  const next = Math.min(Math.max(view.zoom * factor, ZOOM_MIN), ZOOM_MAX);
  if (next === view.zoom) return view;
  const ratio = next / view.zoom;
  return {
    ...view,
    zoom: next,
    tx: px - (px - view.tx) * ratio,
    ty: py - (py - view.ty) * ratio,
    atHome: false
  };
}
function panTo(view, tx, ty) {
  return { ...view, tx, ty, atHome: false };
}
function keepRowAt(view, screenY, frameY) {
  return { ...view, zoom: 1, tx: 0, ty: screenY - frameY * view.base, atHome: false };
}
function screenYOf(view, frameY) {
  return frameY * scaleOf(view) + view.ty;
}
function wheelFactor(deltaY, deltaMode) {
  const unit = deltaMode === 1 ? 16 : deltaMode === 2 ? 400 : 1;
  return Math.exp(-deltaY * unit * 15e-4);
}
function isDrag(dx, dy) {
  return Math.hypot(dx, dy) >= DRAG_THRESHOLD_PX;
}
function isWholeGraph({ x0, width, fx, fw }) {
  return Math.abs(fw - width) < 1e-9 * Math.max(1, width) && Math.abs(fx - x0) < 1e-9;
}
function rescaleFrame({ x0, width, fx, fw }, xj, wj) {
  const eps = width * 1e-9;
  if (xj + wj <= fx + eps || xj >= fx + fw - eps) return null;
  const ratio = width / fw;
  let nx = x0 + (xj - fx) * ratio;
  let nr = nx + wj * ratio;
  if (nx < x0) nx = x0;
  if (nr > x0 + width) nr = x0 + width;
  return { x: nx, w: nr - nx };
}

// src/framezoom.js
var F_MODIFIED = 1;
var F_IN = 2;
var F_HIDDEN = 4;
function captureOriginal(fi, j) {
  if (!fi.orig || !fi.label) {
    const n = fi.n;
    fi.orig = { rx: new Array(n), rw: new Array(n), txs: new Array(n), labels: new Array(n) };
    fi.label = new Array(n);
  }
  const { orig, rects, texts, label } = fi;
  orig.rx[j] = rects[j].getAttribute("x");
  orig.rw[j] = rects[j].getAttribute("width");
  const t = texts[j];
  orig.txs[j] = t ? t.getAttribute("x") : null;
  orig.labels[j] = t ? t.textContent : null;
  label[j] = orig.labels[j];
}
function restoreFrame(fi, j) {
  const { rects, texts, els, orig, label, state } = fi;
  const s = state[j];
  if (s & F_MODIFIED && orig && label) {
    const rx = orig.rx[j];
    if (rx === null) rects[j].removeAttribute("x");
    else rects[j].setAttribute("x", rx);
    rects[j].setAttribute("width", orig.rw[j] ?? "");
    const t = texts[j];
    if (t) {
      const txj = orig.txs[j];
      if (txj !== null) t.setAttribute("x", txj);
      if (label[j] !== orig.labels[j]) t.textContent = orig.labels[j];
      label[j] = orig.labels[j];
    }
    els[j].classList.remove("dw-frame-parent");
  }
  if (s & F_IN) els[j].classList.remove("dw-frame-in");
  if (s & F_HIDDEN) els[j].classList.remove("dw-frame-hidden");
  state[j] = 0;
}
function restoreFrames(fi, stage) {
  stage.classList.remove("dw-zoomed");
  const { state, n } = fi;
  for (let j = 0; j < n; j++) if (state[j]) restoreFrame(fi, j);
}
function applyFrameZoom(fi, i, { stage, fontPx, naturalH }) {
  const { xs, ws, ys, els, rects, texts, state, unit, x0, width, pxPerUnit, textDx, grouped } = fi;
  const names = frameNames(fi);
  const span = { x0, width, fx: xs[i], fw: ws[i] };
  const fy = ys[i];
  const below = rootIsBelow(fi, naturalH);
  for (let j = 0; j < fi.n; j++) {
    const s = state[j];
    const to = rescaleFrame(span, xs[j], ws[j]);
    if (!to) {
      if (grouped) {
        if (s & F_IN) {
          els[j].classList.remove("dw-frame-in");
          state[j] = s & ~F_IN;
        }
      } else if (!(s & F_HIDDEN)) {
        els[j].classList.add("dw-frame-hidden");
        state[j] = s | F_HIDDEN;
      }
      continue;
    }
    if (grouped) {
      if (!(s & F_IN)) els[j].classList.add("dw-frame-in");
    } else if (s & F_HIDDEN) {
      els[j].classList.remove("dw-frame-hidden");
    }
    if (!(s & F_MODIFIED)) captureOriginal(fi, j);
    state[j] = (grouped ? F_IN : 0) | F_MODIFIED;
    rects[j].setAttribute("x", `${to.x.toFixed(4)}${unit}`);
    rects[j].setAttribute("width", `${to.w.toFixed(4)}${unit}`);
    const t = texts[j];
    const drawn = (
      /** @type {(string | null)[]} */
      fi.label
    );
    if (t) {
      t.setAttribute("x", `${(to.x + textDx).toFixed(4)}${unit}`);
      const label = fitLabel(names[j], to.w * pxPerUnit, fontPx);
      if (label !== drawn[j]) {
        t.textContent = label;
        drawn[j] = label;
      }
    }
    const parent = j !== i && (below ? ys[j] > fy : ys[j] < fy);
    els[j].classList.toggle("dw-frame-parent", parent);
  }
  if (grouped) stage.classList.add("dw-zoomed");
  return width / span.fw;
}

// src/search.js
function compilePattern(pattern) {
  try {
    return { re: new RegExp(pattern, "i"), error: null };
  } catch (err) {
    return { re: null, error: `Invalid regex: ${errorText(err).replace(/^Invalid regular expression: /, "")}` };
  }
}
function matchFrames({ n, names, xs, ws, total }, re) {
  const hits = new Uint8Array(n);
  const widest = /* @__PURE__ */ new Map();
  for (let i = 0; i < n; i++) {
    if (!re.test(names[i])) continue;
    hits[i] = 1;
    const prev = widest.get(xs[i]);
    if (prev === void 0 || ws[i] > prev) widest.set(xs[i], ws[i]);
  }
  const keys = Array.from(widest.keys()).sort((a, b) => a - b);
  const fudge = total * 1e-7;
  let count = 0;
  let lastX = -Infinity;
  let lastW = 0;
  for (const x of keys) {
    const w = (
      /** @type {number} */
      widest.get(x)
    );
    if (x >= lastX + lastW - fudge) {
      count += w;
      lastX = x;
      lastW = w;
    }
  }
  return { percent: total > 0 ? 100 * count / total : 0, hits };
}
function searchFramesOf(fi, names) {
  return {
    n: fi.n,
    names,
    xs: fi.sx || fi.xs,
    ws: fi.sw || fi.ws,
    total: fi.sw ? fi.totalSamples : fi.width
  };
}

// src/viewer.js
var SEARCH_DEBOUNCE_MS = 150;
var DEFAULT_HEIGHT = 480;
function mountViewer(host, options = {}) {
  const opts = { ...options };
  let fileName = opts.fileName || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
  let loadToken = 0;
  let bytes = null;
  let svg = null;
  let fi = null;
  let view = initialView();
  let fontPx = 12;
  let fontMeasured = false;
  let vpSize = { w: 0, h: 0 };
  let focus = -1;
  let hover = -1;
  let searchTimer;
  let destroyed = false;
  const cleanups = [];
  const dom = buildViewerDom(host, fileName);
  const { root, viewport, stage, searchInput, matchedEl, searchError, details } = dom;
  setHeight(opts.height ?? DEFAULT_HEIGHT);
  function listen(target, type, fn, o) {
    target.addEventListener(type, fn, o);
    cleanups.push(() => target.removeEventListener(type, fn, o));
  }
  function setStatus(status, message = "") {
    root.dataset.status = status;
    dom.overlay.hidden = status !== "loading";
    dom.errorEl.textContent = status === "error" ? message : "";
    dom.errorEl.hidden = status !== "error";
    const full = status === "error" ? `error: ${message}` : status;
    try {
      opts.onStatus?.(full);
    } catch (err) {
      console.error("driftwatch viewer: onStatus failed", err);
    }
  }
  function setHeight(px) {
    const h = Number(px) > 0 ? Number(px) : DEFAULT_HEIGHT;
    root.style.setProperty("--dw-height", `${h}px`);
  }
  function viewportSize() {
    if (!vpSize.w || !vpSize.h) {
      const w = viewport.clientWidth;
      const h = viewport.clientHeight;
      if (w && h) vpSize = { w, h };
      else return { w: w || 1, h: h || 1 };
    }
    return vpSize;
  }
  function apply(next) {
    view = clampView(next, viewportSize());
    stage.style.transform = transformOf(view);
    root.dataset.zoom = round4(view.zoom);
    dom.zoomLabel.textContent = zoomLabel(view.zoom);
  }
  function home() {
    view = fitWidth(view, viewportSize().w);
    const fitted = `${Math.ceil(contentHeight(view))}px`;
    if (root.style.getPropertyValue("--dw-content-height") !== fitted) {
      root.style.setProperty("--dw-content-height", fitted);
      vpSize = { w: 0, h: 0 };
    }
    apply(homeView(view, viewportSize().h, rootIsBelow(fi, view.naturalH)));
  }
  function zoomCenter(factor) {
    const { w, h } = viewportSize();
    apply(zoomAt(view, factor, w / 2, h / 2));
  }
  function measureFont() {
    if (fontMeasured || !fi) return;
    fontMeasured = true;
    const sample = fi.texts[fi.root];
    const px = sample ? parseFloat(getComputedStyle(sample).fontSize) : NaN;
    if (px > 0) fontPx = px;
  }
  function setFocus(i) {
    if (focus >= 0 && fi) fi.els[focus]?.classList.remove("dw-frame-focus");
    focus = i;
    if (focus >= 0 && fi) fi.els[focus].classList.add("dw-frame-focus");
  }
  function resetFrames() {
    if (!fi) return;
    restoreFrames(fi, stage);
    setFocus(-1);
    root.dataset.frameZoom = "1";
  }
  function zoomToFrame(i) {
    if (!fi) return;
    const span = { x0: fi.x0, width: fi.width, fx: fi.xs[i], fw: fi.ws[i] };
    if (!(span.fw > 0)) return;
    const screenY = screenYOf(view, fi.ys[i]);
    if (isWholeGraph(span)) {
      resetFrames();
    } else {
      measureFont();
      const ratio = applyFrameZoom(fi, i, { stage, fontPx, naturalH: view.naturalH });
      setFocus(i);
      root.dataset.frameZoom = round4(ratio);
    }
    view = fitWidth(view, viewportSize().w);
    apply(keepRowAt(view, screenY, fi.ys[i]));
  }
  function resetAll() {
    resetFrames();
    home();
  }
  function setMatched(text) {
    matchedEl.textContent = text ? `Matched: ${text}` : "";
    matchedEl.hidden = !text;
    try {
      opts.onMatched?.(text);
    } catch (err) {
      console.error("driftwatch viewer: onMatched failed", err);
    }
  }
  function applyHighlight(hits) {
    if (!fi) return;
    const { els, matched, n } = fi;
    for (let i = 0; i < n; i++) {
      const want = hits ? hits[i] : 0;
      if (matched[i] !== want) {
        els[i].classList.toggle("dw-frame-match", want === 1);
        matched[i] = want;
      }
    }
  }
  function runSearch() {
    clearTimeout(searchTimer);
    const pattern = searchInput.value;
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    if (!pattern) {
      applyHighlight(null);
      setMatched("");
      return;
    }
    const { re, error } = compilePattern(pattern);
    if (!re) {
      searchInput.setAttribute("aria-invalid", "true");
      searchError.textContent = error;
      return;
    }
    if (!fi) {
      setMatched(svg ? formatPercent(0) : "");
      return;
    }
    const { percent, hits } = matchFrames(searchFramesOf(fi, frameNames(fi)), re);
    applyHighlight(hits);
    setMatched(formatPercent(percent));
  }
  function showDetails(i) {
    if (i === hover) return;
    if (hover >= 0) fi?.els[hover]?.classList.remove("dw-frame-hover");
    hover = i;
    if (i < 0 || !fi) {
      details.textContent = "";
      return;
    }
    fi.els[i].classList.add("dw-frame-hover");
    details.textContent = frameDetails(parseFrameTitle(fi.titles[i].textContent || ""));
  }
  function clearDrawing() {
    stage.replaceChildren();
    stage.classList.remove("dw-fg", "dw-zoomed");
    svg = null;
    fi = null;
    focus = -1;
    hover = -1;
    details.textContent = "";
    root.dataset.frameZoom = "1";
    root.style.removeProperty("--dw-content-height");
  }
  function draw(text) {
    const { svg: clean } = sanitizeSvg(text);
    const size = naturalSize((name) => clean.getAttribute(name));
    if (size.viewBox) clean.setAttribute("viewBox", `0 0 ${size.w} ${size.h}`);
    clean.setAttribute("width", String(size.w));
    clean.setAttribute("height", String(size.h));
    clean.removeAttribute("style");
    clearDrawing();
    view = { ...view, naturalW: size.w, naturalH: size.h };
    const node = document.adoptNode(clean);
    stage.append(node);
    svg = node;
    fi = indexFrames(node);
    fontMeasured = false;
    if (fi) {
      stage.classList.add("dw-fg");
      if (fi.grouped) fi.holder.classList.add("dw-frames");
    }
    home();
    if (searchInput.value) runSearch();
    else setMatched("");
  }
  async function show(text, original, token) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (token !== loadToken || destroyed) return;
    try {
      draw(text);
    } catch (err) {
      clearDrawing();
      bytes = null;
      setStatus("error", `Could not show ${fileName}: ${errorText(err)}.`);
      return;
    }
    bytes = original;
    setStatus("ready");
  }
  async function loadUrl(url) {
    const token = ++loadToken;
    setStatus("loading");
    try {
      const got = await acquireSvg(url, {
        fileName,
        refreshUrl: opts.refreshUrl,
        fallbackBytes: opts.fallbackBytes,
        isCurrent: () => token === loadToken
      });
      if (!got || token !== loadToken || destroyed) return;
      await show(got.text, got.original, token);
    } catch (err) {
      if (token !== loadToken || destroyed) return;
      clearDrawing();
      bytes = null;
      setStatus("error", errorText(err));
    }
  }
  async function loadText(text) {
    const token = ++loadToken;
    setStatus("loading");
    await show(text, new TextEncoder().encode(text), token);
  }
  const fullscreen = createFullscreen(root, dom.fullscreenBtn);
  listen(dom.zoomInBtn, "click", () => zoomCenter(ZOOM_STEP));
  listen(dom.zoomOutBtn, "click", () => zoomCenter(1 / ZOOM_STEP));
  listen(dom.resetBtn, "click", resetAll);
  listen(dom.fullscreenBtn, "click", fullscreen.toggle);
  listen(dom.downloadBtn, "click", () => {
    if (bytes) downloadBytes(root, bytes, fileName);
  });
  listen(document, "fullscreenchange", fullscreen.sync);
  listen(searchInput, "input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS);
  });
  listen(searchInput, "keydown", (ev) => {
    if (ev.key === "Enter") runSearch();
    else if (ev.key === "Escape") {
      searchInput.value = "";
      runSearch();
    }
    ev.stopPropagation();
  });
  listen(root, "keydown", (ev) => {
    if (ev.target === searchInput) return;
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "f") {
      ev.preventDefault();
      searchInput.focus();
    } else if (ev.key === "+" || ev.key === "=") zoomCenter(ZOOM_STEP);
    else if (ev.key === "-") zoomCenter(1 / ZOOM_STEP);
    else if (ev.key === "0") resetAll();
    else if (ev.key === "Escape" && fullscreen.isFallback()) fullscreen.toggle();
    else return;
    ev.stopPropagation();
  });
  listen(
    viewport,
    "wheel",
    (ev) => {
      if (!svg) return;
      if (!ev.ctrlKey && !ev.metaKey && !root.contains(document.activeElement) && !fullscreen.isOn()) return;
      ev.preventDefault();
      const r = viewport.getBoundingClientRect();
      apply(zoomAt(view, wheelFactor(ev.deltaY, ev.deltaMode), ev.clientX - r.left, ev.clientY - r.top));
    },
    { passive: false }
  );
  let drag = null;
  let suppressClick = false;
  listen(viewport, "pointerdown", (ev) => {
    if (ev.button !== 0 || !svg) return;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty, moved: false };
    suppressClick = false;
  });
  listen(viewport, "pointermove", (ev) => {
    if (drag && drag.id === ev.pointerId) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && !isDrag(dx, dy)) return;
      if (!drag.moved) {
        drag.moved = true;
        viewport.classList.add("dw-dragging");
        dom.dragCover.hidden = false;
        dom.dragCover.setPointerCapture?.(ev.pointerId);
      }
      apply(panTo(view, drag.tx + dx, drag.ty + dy));
      return;
    }
    showDetails(frameOfNode(
      fi,
      /** @type {Node | null} */
      ev.target,
      stage
    ));
  });
  const endDrag = (ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    suppressClick = drag.moved;
    drag = null;
    viewport.classList.remove("dw-dragging");
    dom.dragCover.hidden = true;
  };
  listen(viewport, "pointerup", endDrag);
  listen(viewport, "pointercancel", endDrag);
  listen(viewport, "pointerleave", () => {
    if (!drag) showDetails(-1);
  });
  listen(viewport, "click", (ev) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const i = frameOfNode(
      fi,
      /** @type {Node | null} */
      ev.target,
      stage
    );
    if (i >= 0) zoomToFrame(i);
  });
  listen(viewport, "dblclick", (ev) => {
    ev.preventDefault();
    resetAll();
  });
  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      vpSize = { w: box.width, h: box.height };
      if (!svg) return;
      if (view.atHome) home();
      else apply(fitWidth(view, viewportSize().w));
    });
    ro.observe(viewport);
    cleanups.push(() => ro.disconnect());
  }
  fullscreen.sync();
  setMatched("");
  if (opts.url) loadUrl(opts.url);
  else if (typeof opts.svgText === "string" && opts.svgText) loadText(opts.svgText);
  else setStatus("error", "No flamegraph to show: give a URL or SVG text.");
  return {
    setUrl(url) {
      opts.url = url;
      if (!opts.fileName) {
        fileName = fileNameFromUrl(url);
        dom.nameEl.textContent = fileName;
      }
      return loadUrl(url);
    },
    setSvgText(text) {
      return loadText(text);
    },
    setFileName(name) {
      opts.fileName = name;
      fileName = name || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
      dom.nameEl.textContent = fileName;
    },
    setHeight,
    search(pattern) {
      searchInput.value = pattern || "";
      runSearch();
    },
    reset: resetAll,
    destroy() {
      destroyed = true;
      loadToken++;
      clearTimeout(searchTimer);
      fullscreen.exit();
      for (const fn of cleanups.splice(0)) fn();
      root.remove();
    }
  };
}

// src/widget.js
function render({ model, el: host }) {
  const kernel = createKernelChannel(model);
  function sync(name, value) {
    if (model.get(name) === value) return;
    model.set(name, value);
    model.save_changes();
  }
  const url = model.get("url") || "";
  const text = model.get("svg_text") || "";
  const handle = mountViewer(host, {
    url: url || void 0,
    svgText: url ? void 0 : text,
    fileName: model.get("file_name") || void 0,
    height: model.get("height"),
    refreshUrl: () => kernel.ask("refresh_url"),
    fallbackBytes: () => {
      const have = model.get("svg_text");
      return have ? Promise.resolve(have) : kernel.ask("request_bytes");
    },
    onStatus: (s) => sync("status", s),
    onMatched: (m) => sync("matched", m)
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
var widget_default = { render };
export {
  ViewerError,
  widget_default as default,
  mountViewer,
  parseFrameTitle,
  sanitizeSvg
};
