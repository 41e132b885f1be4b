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
function decodeUtf8(buf, fileName) {
  const bom16 = buf[0] === 255 && buf[1] === 254 || buf[0] === 254 && buf[1] === 255;
  const nulPairs = buf.length >= 4 && (buf[1] === 0 || buf[0] === 0) && (buf[3] === 0 || buf[2] === 0);
  if (bom16 || nulPairs) {
    throw new ViewerError(
      `Could not show ${fileName}: the file is UTF-16 encoded; the viewer reads UTF-8, so re-save it as UTF-8 (or open it with FlamegraphViewer.from_file, which converts it).`
    );
  }
  return new TextDecoder("utf-8").decode(buf);
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
      return { text: decodeUtf8(buf, options.fileName), original: buf };
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

// src/range.js
var ROW_PX = 16;
var FONT_PX = 12;
var MIN_SPAN_SAMPLES = 1e-6;
function wholeRange(total) {
  return { lo: 0, hi: total, scrollTop: 0, focus: -1 };
}
function clampRange(v, total) {
  let span = Math.min(Math.max(v.hi - v.lo, Math.min(total, total * MIN_SPAN_SAMPLES)), total);
  if (!(span > 0)) span = total;
  let lo = Math.min(Math.max(v.lo, 0), total - span);
  if (!Number.isFinite(lo)) lo = 0;
  return { ...v, lo, hi: lo + span };
}
function magnification(v, total) {
  return total / (v.hi - v.lo);
}
function zoomRangeAt(v, total, factor, px, width) {
  const span = v.hi - v.lo;
  const at = v.lo + px / width * span;
  const next = Math.min(span / factor, total);
  const lo = at - px / width * next;
  return clampRange({ ...v, lo, hi: lo + next, focus: next >= total ? -1 : v.focus }, total);
}
function panRange(v, total, dx, width) {
  const shift = -dx / width * (v.hi - v.lo);
  return clampRange({ ...v, lo: v.lo + shift, hi: v.hi + shift }, total);
}
function clampScroll(scrollTop, contentPx2, viewPx) {
  return Math.min(Math.max(scrollTop, 0), Math.max(0, contentPx2 - viewPx));
}
function contentPx(maxDepth) {
  return (maxDepth + 1) * ROW_PX;
}
function rowTop(depth, maxDepth, icicle, scrollTop) {
  const y = icicle ? depth * ROW_PX : (maxDepth - depth) * ROW_PX;
  return y - scrollTop;
}
function depthAtY(y, maxDepth, icicle, scrollTop) {
  const row = Math.floor((y + scrollTop) / ROW_PX);
  return icicle ? row : maxDepth - row;
}
function homeScroll(maxDepth, viewPx, icicle) {
  return icicle ? 0 : clampScroll(Infinity, contentPx(maxDepth), viewPx);
}
function ellipsize(name, px, measure, fullWidth = measure(name)) {
  if (fullWidth <= px) return name;
  let k = Math.min(name.length - 1, Math.floor(px / fullWidth * name.length));
  while (k >= 2 && measure(`${name.slice(0, k)}…`) > px) k--;
  while (k + 1 < name.length && measure(`${name.slice(0, k + 1)}…`) <= px) k++;
  return k >= 2 ? `${name.slice(0, k)}…` : "";
}

// src/stacks.js
var CHECK_EVERY = 256;
var Trie = class {
  constructor() {
    this.names = ["all"];
    this.nameIds = /* @__PURE__ */ new Map([["all", 0]]);
    this.nameOf = [0];
    this.children = [/* @__PURE__ */ new Map()];
    this.selfs = [[0], [0]];
    this.totals = [[0], [0]];
  }
  /** @param {string} name */
  nameId(name) {
    let id = this.nameIds.get(name);
    if (id === void 0) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }
  /**
   * @param {string} stack "a;b;c"
   * @param {number} count
   * @param {number} side 0 (drawn / head) or 1 (base)
   */
  add(stack, count, side) {
    let node = 0;
    this.totals[side][0] += count;
    for (const frame of stack.split(";")) {
      const id = this.nameId(frame);
      let child = this.children[node].get(id);
      if (child === void 0) {
        child = this.nameOf.length;
        this.nameOf.push(id);
        this.children.push(/* @__PURE__ */ new Map());
        this.selfs[0].push(0);
        this.selfs[1].push(0);
        this.totals[0].push(0);
        this.totals[1].push(0);
        this.children[node].set(id, child);
      }
      this.totals[side][child] += count;
      node = child;
    }
    this.selfs[side][node] += count;
  }
};
function parseFoldedLine(line, number, fileName = "the profile") {
  const text = line.trim();
  if (!text || /^\d+$/.test(text)) return null;
  const cut = text.lastIndexOf(" ");
  const stack = cut > 0 ? text.slice(0, cut) : "";
  const count = cut > 0 ? text.slice(cut + 1) : "";
  if (!stack || !/^\d+$/.test(count)) {
    throw new ViewerError(
      `${fileName}: line ${number} is not 'frame;frame;frame COUNT': ${JSON.stringify(text.slice(0, 80))}`
    );
  }
  return [stack, Number(count)];
}
function* fillTrie(trie, text, side, fileName) {
  let pos = 0;
  let number = 0;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    number++;
    const parsed = parseFoldedLine(line, number, fileName);
    if (parsed && parsed[1] > 0) trie.add(parsed[0], parsed[1], side);
    if (number % CHECK_EVERY === 0) yield;
  }
}
function* layoutTrie(trie, drawn, diff) {
  const other = 1 - drawn;
  const dTotal = trie.totals[drawn];
  const size = trie.nameOf.length;
  const nameOf = new Int32Array(size);
  const parent = new Int32Array(size);
  const depth = new Uint16Array(size);
  const end = new Int32Array(size);
  const start = new Float64Array(size);
  const total = new Float64Array(size);
  const self = new Float64Array(size);
  const otherTotal = diff ? new Float64Array(size) : null;
  const otherSelf = diff ? new Float64Array(size) : null;
  const names = trie.names;
  const byName = (a, b) => {
    const x = names[trie.nameOf[a]];
    const y = names[trie.nameOf[b]];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const todo = [0, -1, 0, 0];
  const open = [];
  let n = 0;
  let maxDepth = 0;
  while (todo.length) {
    const at = todo.pop();
    const d = (
      /** @type {number} */
      todo.pop()
    );
    const par = (
      /** @type {number} */
      todo.pop()
    );
    const node = (
      /** @type {number} */
      todo.pop()
    );
    while (open.length > d) end[
      /** @type {number} */
      open.pop()
    ] = n;
    const i = n++;
    open.push(i);
    nameOf[i] = trie.nameOf[node];
    parent[i] = par;
    depth[i] = d;
    start[i] = /** @type {number} */
    at;
    total[i] = dTotal[node];
    self[i] = trie.selfs[drawn][node];
    if (otherTotal && otherSelf) {
      otherTotal[i] = trie.totals[other][node];
      otherSelf[i] = trie.selfs[other][node];
    }
    if (d > maxDepth) maxDepth = d;
    const kids = Array.from(trie.children[node].values()).filter((c) => dTotal[c] > 0);
    kids.sort(byName);
    let offset = (
      /** @type {number} */
      at
    );
    const pending = [];
    for (const c of kids) {
      pending.push([c, i, d + 1, offset]);
      offset += dTotal[c];
    }
    for (let k = pending.length - 1; k >= 0; k--) todo.push(...pending[k]);
    if (n % CHECK_EVERY === 0) yield;
  }
  while (open.length) end[
    /** @type {number} */
    open.pop()
  ] = n;
  const counts = new Int32Array(maxDepth + 1);
  for (let i = 0; i < n; i++) counts[depth[i]]++;
  const byDepth = Array.from(counts, (c) => new Int32Array(c));
  counts.fill(0);
  for (let i = 0; i < n; i++) byDepth[depth[i]][counts[depth[i]]++] = i;
  return {
    n,
    names,
    nameOf: nameOf.subarray(0, n),
    parent: parent.subarray(0, n),
    depth: depth.subarray(0, n),
    end: end.subarray(0, n),
    start: start.subarray(0, n),
    total: total.subarray(0, n),
    self: self.subarray(0, n),
    otherTotal: otherTotal ? otherTotal.subarray(0, n) : null,
    otherSelf: otherSelf ? otherSelf.subarray(0, n) : null,
    totalSamples: total[0],
    otherSamples: diff ? trie.totals[other][0] : 0,
    maxDepth,
    byDepth
  };
}
function* treeSteps(folded, options) {
  const fileName = options.fileName || "the profile";
  const diff = typeof options.base === "string";
  const trie = new Trie();
  yield* fillTrie(trie, folded, 0, diff ? `${fileName} (head)` : fileName);
  if (diff) yield* fillTrie(
    trie,
    /** @type {string} */
    options.base,
    1,
    `${fileName} (base)`
  );
  const drawn = diff && options.shape === "base" ? 1 : 0;
  if (!(trie.totals[drawn][0] > 0)) {
    throw new ViewerError(`${fileName}: no samples to draw (the stacks are empty or all counts are 0)`);
  }
  return yield* layoutTrie(trie, drawn, diff);
}
function buildTree(folded, options = {}) {
  const steps = treeSteps(folded, options);
  for (; ; ) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
async function buildTreeAsync(folded, options = {}) {
  const budget = options.budgetMs ?? 20;
  const steps = treeSteps(folded, options);
  let sliceStart = performance.now();
  for (; ; ) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= budget) {
      await yieldToBrowser();
      if (options.isCurrent && !options.isCurrent()) return null;
      sliceStart = performance.now();
    }
  }
}
function yieldToBrowser() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
function frameAt(tree, depth, x) {
  if (depth < 0 || depth > tree.maxDepth) return -1;
  const row = tree.byDepth[depth];
  const k = firstEndingAfter(tree, row, x);
  if (k < row.length) {
    const i = row[k];
    if (tree.start[i] <= x && x < tree.start[i] + tree.total[i]) return i;
  }
  return -1;
}
function firstEndingAfter(tree, row, x) {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = lo + hi >> 1;
    const i = row[mid];
    if (tree.start[i] + tree.total[i] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
var CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 3988292384 ^ c >>> 1 : c >>> 1;
    t[n] = c;
  }
  return t;
})();
function crc32(text) {
  let c = -1;
  let ascii = true;
  for (let k = 0; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code > 127) {
      ascii = false;
      break;
    }
    c = CRC_TABLE[(c ^ code) & 255] ^ c >>> 8;
  }
  if (!ascii) {
    c = -1;
    for (const byte of new TextEncoder().encode(text)) c = CRC_TABLE[(c ^ byte) & 255] ^ c >>> 8;
  }
  return (c ^ -1) >>> 0;
}
function hotColour(name) {
  const seed = crc32(name);
  const v1 = (seed & 255) / 255;
  const v2 = (seed >>> 8 & 255) / 255;
  const v3 = (seed >>> 16 & 255) / 255;
  return `rgb(${205 + Math.trunc(50 * v3)},${Math.trunc(230 * v1)},${Math.trunc(55 * v2)})`;
}
function selfDeltas(tree, shape) {
  const delta = new Float64Array(tree.n);
  const other = tree.otherSelf;
  if (!other) return { delta, maxAbs: 0 };
  const drawnSum = tree.totalSamples || 1;
  const otherSum = tree.otherSamples || 1;
  let maxAbs = 0;
  for (let i = 1; i < tree.n; i++) {
    const drawnShare = tree.self[i] / drawnSum;
    const otherShare = other[i] / otherSum;
    const d = shape === "base" ? otherShare - drawnShare : drawnShare - otherShare;
    delta[i] = d;
    const a = Math.abs(d);
    if (a > maxAbs) maxAbs = a;
  }
  return { delta, maxAbs };
}
var DIFF_FADE = 210;
var DIFF_NEUTRAL = "rgb(250,250,250)";
function diffColour(delta, maxAbs) {
  if (!delta || !(maxAbs > 0)) return DIFF_NEUTRAL;
  const fade = Math.trunc(DIFF_FADE * (1 - Math.min(1, Math.abs(delta) / maxAbs)));
  return delta > 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}
function searchTree(tree, matches, focus = 0) {
  const nameHit = new Int8Array(tree.names.length).fill(-1);
  const hits = new Uint8Array(tree.n);
  let covered = 0;
  let coveredFocus = 0;
  let skipUntil = 0;
  let count = 0;
  const fStart = focus;
  const fEnd = tree.end[focus];
  for (let i = 0; i < tree.n; i++) {
    const id = tree.nameOf[i];
    if (nameHit[id] < 0) nameHit[id] = matches(tree.names[id]) ? 1 : 0;
    if (!nameHit[id]) continue;
    hits[i] = 1;
    count++;
    if (i < skipUntil) continue;
    covered += tree.total[i];
    skipUntil = tree.end[i];
    if (i >= fStart && i < fEnd) coveredFocus += tree.total[i];
    else if (i < fStart && tree.end[i] > fStart) coveredFocus += tree.total[focus];
  }
  const all = tree.totalSamples;
  return {
    hits,
    count,
    percentAll: all > 0 ? 100 * covered / all : 0,
    percentFocus: tree.total[focus] > 0 ? Math.min(100, 100 * coveredFocus / tree.total[focus]) : 0
  };
}
function functionsOf(tree) {
  const k = tree.names.length;
  const self = new Float64Array(k);
  const total = new Float64Array(k);
  const otherSelf = new Float64Array(k);
  const onStack = new Int32Array(k);
  const stack = [];
  const seen = new Uint8Array(k);
  for (let i = 1; i < tree.n; i++) {
    const d = tree.depth[i];
    while (stack.length >= d) onStack[
      /** @type {number} */
      stack.pop()
    ]--;
    const id = tree.nameOf[i];
    seen[id] = 1;
    self[id] += tree.self[i];
    if (tree.otherSelf) otherSelf[id] += tree.otherSelf[i];
    if (onStack[id] === 0) total[id] += tree.total[i];
    onStack[id]++;
    stack.push(id);
  }
  const drawnSum = tree.totalSamples || 1;
  const otherSum = tree.otherSamples || 1;
  const rows = [];
  for (let id = 1; id < k; id++) {
    if (!seen[id] && !(otherSelf[id] > 0)) continue;
    rows.push({
      name: tree.names[id],
      self: self[id],
      total: total[id],
      otherSelf: otherSelf[id],
      deltaSelf: tree.otherSelf ? self[id] / drawnSum - otherSelf[id] / otherSum : 0
    });
  }
  return rows;
}
function sortFunctions(rows, column, descending = column !== "name") {
  const sign = descending ? -1 : 1;
  const key = (r) => column === "deltaSelf" ? Math.abs(r.deltaSelf) : r[column];
  return rows.slice().sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
function formatCount(n) {
  const digits = String(Math.abs(Math.round(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < -0.5 ? `-${grouped}` : grouped;
}
function describeFrame(tree, i, diff, shape = "head") {
  const name = tree.names[tree.nameOf[i]];
  const pct = (v, of) => `${(100 * v / (of || 1)).toFixed(2)}%`;
  if (!diff || !tree.otherTotal) {
    return `${name} — ${formatCount(tree.total[i])} samples (${pct(tree.total[i], tree.totalSamples)}), self ${formatCount(tree.self[i])} (${pct(tree.self[i], tree.totalSamples)})`;
  }
  const head = shape === "base" ? tree.otherTotal[i] : tree.total[i];
  const base = shape === "base" ? tree.total[i] : tree.otherTotal[i];
  const headSum = shape === "base" ? tree.otherSamples : tree.totalSamples;
  const baseSum = shape === "base" ? tree.totalSamples : tree.otherSamples;
  const d = 100 * diff.delta[i];
  return `${name} — base ${formatCount(base)} (${pct(base, baseSum)}) → head ${formatCount(head)} (${pct(head, headSum)}); self Δ ${d >= 0 ? "+" : ""}${d.toFixed(2)} pp`;
}

// src/search.js
function compilePattern(pattern, caseSensitive = false) {
  try {
    return { re: new RegExp(pattern, caseSensitive ? "" : "i"), error: null };
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

// src/stacksviewer.js
var SEARCH_DEBOUNCE_MS = 150;
var DEFAULT_HEIGHT = 480;
var MATCH_PIXEL = rgbPixel("rgb(230,0,230)");
var MAX_TABLE_ROWS = 500;
var MIN_DRAWN_PX = 0.35;
var FONT = `${FONT_PX}px Verdana, "DejaVu Sans", "Liberation Sans", Arial, sans-serif`;
function rgbPixel(rgb) {
  const [r, g, b] = (rgb.match(/\d+/g) || ["0", "0", "0"]).map(Number);
  return (255 << 24 | b << 16 | g << 8 | r) >>> 0;
}
function fadePixel(c) {
  const mix = (v) => Math.round(v * 0.55 + 255 * 0.45);
  return (255 << 24 | mix(c >>> 16 & 255) << 16 | mix(c >>> 8 & 255) << 8 | mix(c & 255)) >>> 0;
}
function mountStacksViewer(host, options) {
  const opts = { ...options };
  let fileName = opts.fileName || (opts.url ? fileNameFromUrl(opts.url) : DEFAULT_FILE_NAME);
  let shape = opts.shape === "base" ? "base" : "head";
  let tree = null;
  let diff = null;
  let pixels = new Uint32Array(0);
  let namePixels = new Uint32Array(0);
  let image = null;
  let labelWidths = new Float32Array(0);
  let hits = null;
  let selectedName = -1;
  let view = wholeRange(1);
  let icicle = opts.mode === "icicle" || opts.state?.mode === "icicle";
  let hover = -1;
  let pinned = -1;
  let loadToken = 0;
  let destroyed = false;
  let drawQueued = false;
  let size = { w: 0, h: 0 };
  let searchTimer;
  let caseSensitive = Boolean(opts.state?.caseSensitive);
  let functionRows = null;
  let sortColumn = "self";
  let sortDescending = true;
  const cleanups = [];
  const dom = buildViewerDom(host, fileName);
  const { root, viewport, searchInput, matchedEl, searchError, details } = dom;
  root.dataset.source = "stacks";
  root.dataset.mode = icicle ? "icicle" : "flame";
  dom.stage.remove();
  const canvas = el("canvas", {
    class: "dw-fg-canvas",
    "data-testid": "dw-fg-canvas",
    role: "img",
    "aria-label": "Flamegraph (hover a frame for its name in the details line below)"
  });
  canvas.style.cssText = "position:absolute;left:0;top:0;display:block";
  const vscroll = el("div", { class: "dw-vscroll", "data-testid": "dw-vscroll", hidden: "" });
  const thumb = el("div", { class: "dw-vscroll-thumb" });
  vscroll.append(thumb);
  viewport.prepend(canvas);
  viewport.append(vscroll);
  const shadowStyle = (
    /** @type {ShadowRoot} */
    viewport.getRootNode().querySelector("style")
  );
  if (shadowStyle) {
    shadowStyle.textContent += `
.dw-vscroll { position: absolute; top: 0; right: 0; bottom: 0; width: 10px; background: rgba(0,0,0,0.05); }
.dw-vscroll-thumb { position: absolute; left: 1px; right: 1px; border-radius: 4px; background: rgba(0,0,0,0.35); cursor: default; }
`;
  }
  const caseBtn = el(
    "button",
    { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-case", title: "Match case", "aria-label": "Match case" },
    "Aa"
  );
  const modeBtn = el("button", { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-mode" });
  const tableBtn = el(
    "button",
    { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-functions-toggle", title: "Functions table" },
    "Functions"
  );
  const shapeBtn = el("button", { type: "button", class: "dw-btn dw-text-btn", "data-testid": "dw-shape", hidden: "" });
  const legend = el("span", { class: "dw-legend", "data-testid": "dw-legend", hidden: "" });
  const searchWrap = searchInput.parentElement;
  searchWrap?.after(caseBtn);
  dom.zoomLabel.after(modeBtn, tableBtn, shapeBtn);
  dom.nameEl.before(legend);
  dom.downloadBtn.setAttribute("aria-label", "Download");
  dom.downloadBtn.title = "Download";
  const panel = el("div", { class: "dw-functions", "data-testid": "dw-functions", hidden: "" });
  const table = el("table", { class: "dw-functions-table" });
  const thead = el("thead");
  const tbody = el("tbody");
  table.append(thead, tbody);
  const tableNote = el("div", { class: "dw-functions-note" });
  panel.append(table, tableNote);
  dom.root.querySelector(".dw-statusbar")?.before(panel);
  dom.root.querySelector(".dw-hint")?.replaceChildren(
    "Click a frame to zoom · wheel zooms horizontally (Ctrl+wheel until focused) · drag to pan · / to search · Esc resets"
  );
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
    try {
      opts.onStatus?.(status === "error" ? `error: ${message}` : status);
    } catch (err) {
      console.error("driftwatch viewer: onStatus failed", err);
    }
  }
  function setHeight(px) {
    const h = Number(px) > 0 ? Number(px) : DEFAULT_HEIGHT;
    root.style.setProperty("--dw-height", `${h}px`);
  }
  function getState() {
    return (
      /** @type {StacksViewerState} */
      {
        mode: icicle ? "icicle" : "flame",
        lo: view.lo,
        hi: view.hi,
        scrollTop: view.scrollTop,
        focus: view.focus,
        search: searchInput.value,
        caseSensitive,
        table: !panel.hidden
      }
    );
  }
  function emitState() {
    try {
      opts.onState?.(getState());
    } catch (err) {
      console.error("driftwatch viewer: onState failed", err);
    }
  }
  function measure() {
    const w = viewport.clientWidth;
    const h = viewport.clientHeight;
    if (w && h) size = { w, h };
    return size.w && size.h ? size : { w: w || 1, h: h || 1 };
  }
  function setView(next) {
    if (!tree) return;
    const { h } = measure();
    const clamped = clampRange(next, tree.totalSamples);
    view = { ...clamped, scrollTop: clampScroll(clamped.scrollTop, contentPx(tree.maxDepth), h) };
    const zoom = magnification(view, tree.totalSamples);
    root.dataset.zoom = round4(zoom);
    root.dataset.frameZoom = view.focus > 0 ? round4(zoom) : "1";
    const label = zoomLabel(zoom);
    dom.zoomLabel.textContent = view.focus > 0 ? `${label} · ${nameOf(view.focus)}` : label;
    dom.zoomLabel.title = view.focus > 0 ? `Zoomed into ${nameOf(view.focus)}` : "Horizontal zoom";
    if (searchInput.value || selectedName >= 0) refreshMatched();
    scheduleDraw();
    emitState();
  }
  function home() {
    if (!tree) return;
    const { h } = measure();
    setView({ ...wholeRange(tree.totalSamples), scrollTop: homeScroll(tree.maxDepth, h, icicle) });
  }
  function zoomCenter(factor) {
    if (!tree) return;
    const { w } = measure();
    setView(zoomRangeAt(view, tree.totalSamples, factor, w / 2, w));
  }
  function zoomToFrame(i) {
    if (!tree || i < 0) return;
    if (i === 0) {
      setView({ ...view, lo: 0, hi: tree.totalSamples, focus: -1 });
      return;
    }
    setView({ ...view, lo: tree.start[i], hi: tree.start[i] + tree.total[i], focus: i });
  }
  function resetAll() {
    pinned = -1;
    home();
    showDetails(hover);
  }
  function nameOf(i) {
    return tree ? tree.names[tree.nameOf[i]] : "";
  }
  function padTop() {
    if (!tree || icicle) return 0;
    return Math.max(0, measure().h - contentPx(tree.maxDepth));
  }
  function rowY(d) {
    return tree ? rowTop(d, tree.maxDepth, icicle, view.scrollTop) + padTop() : 0;
  }
  function scheduleDraw() {
    if (drawQueued || destroyed) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      if (!destroyed) draw();
    });
  }
  function pixelOf(i) {
    if (!tree) return 0;
    let c = pixels[i];
    if (c) return c;
    if (diff) c = rgbPixel(i === 0 ? DIFF_NEUTRAL : diffColour(diff.delta[i], diff.maxAbs));
    else {
      const id = tree.nameOf[i];
      c = namePixels[id];
      if (!c) c = namePixels[id] = rgbPixel(hotColour(tree.names[id]));
    }
    pixels[i] = c;
    return c;
  }
  function draw() {
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const { w, h } = measure();
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.max(1, Math.round(w * dpr));
    const ph = Math.max(1, Math.round(h * dpr));
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.width = pw;
      canvas.height = ph;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    updateScrollbar(h);
    if (!tree) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, pw, ph);
      return;
    }
    if (!image || image.width !== pw || image.height !== ph) image = ctx.createImageData(pw, ph);
    const buf = new Uint32Array(image.data.buffer);
    buf.fill(0);
    const t = tree;
    const scale = w / (view.hi - view.lo);
    const lo = view.lo;
    const hi = view.hi;
    const focusDepth = view.focus > 0 ? t.depth[view.focus] : -1;
    const labelled = [];
    let drawn = 0;
    const pad = padTop();
    for (let d = 0; d <= t.maxDepth; d++) {
      const y = rowTop(d, t.maxDepth, icicle, view.scrollTop) + pad;
      if (y + ROW_PX <= 0 || y >= h) continue;
      const py0 = Math.max(0, Math.round(y * dpr));
      const py1 = Math.min(ph, Math.round((y + ROW_PX - 1) * dpr));
      const row = t.byDepth[d];
      let lastCol = -1;
      for (let k = firstEndingAfter(t, row, lo); k < row.length; k++) {
        const i = row[k];
        const s = t.start[i];
        if (s >= hi) break;
        const x0 = Math.max((s - lo) * scale, 0);
        const x1 = Math.min((s + t.total[i] - lo) * scale, w);
        const fw = x1 - x0;
        if (fw < MIN_DRAWN_PX) continue;
        let px0 = Math.floor(x0 * dpr);
        let px1 = Math.round((fw > 3 ? x1 - 0.5 : x1) * dpr);
        if (px1 <= px0) {
          if (px0 <= lastCol) continue;
          px1 = px0 + 1;
        }
        if (px0 <= lastCol) px0 = lastCol + 1;
        if (px1 > pw) px1 = pw;
        if (px1 <= px0) continue;
        lastCol = px1 - 1;
        drawn++;
        let c = hits && hits[i] ? MATCH_PIXEL : pixelOf(i);
        if (d < focusDepth) c = fadePixel(c);
        buf.fill(c, py0 * pw + px0, py0 * pw + px1);
        if (fw > FONT_PX * 1.6 || i === hover || i === pinned) labelled.push(i, x0, y, fw);
      }
      for (let py = py0 + 1; py < py1; py++) buf.copyWithin(py * pw, py0 * pw, (py0 + 1) * pw);
    }
    ctx.putImageData(image, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#000";
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1;
    const measureText = (str) => ctx.measureText(str).width;
    for (let k = 0; k < labelled.length; k += 4) {
      const i = labelled[k];
      const x0 = labelled[k + 1];
      const y = labelled[k + 2];
      const fw = labelled[k + 3];
      if (i === hover || i === pinned) ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(fw - 1.5, 0), ROW_PX - 2);
      if (fw <= FONT_PX * 1.6) continue;
      const id = t.nameOf[i];
      let full = labelWidths[id];
      if (Number.isNaN(full)) full = labelWidths[id] = measureText(t.names[id]);
      const text = ellipsize(t.names[id], fw - 6, measureText, full);
      if (text) ctx.fillText(text, x0 + 3, y + ROW_PX / 2);
    }
    root.dataset.frames = String(drawn);
  }
  function updateScrollbar(h) {
    const content = tree ? contentPx(tree.maxDepth) : 0;
    const show = content > h + 0.5;
    vscroll.hidden = !show;
    if (!show) return;
    const thumbH = Math.max(20, h * h / content);
    const top = view.scrollTop / (content - h) * (h - thumbH);
    thumb.style.height = `${thumbH}px`;
    thumb.style.top = `${top}px`;
  }
  function frameAtPoint(clientX, clientY) {
    if (!tree) return -1;
    const r = canvas.getBoundingClientRect();
    const { w } = measure();
    const x = view.lo + (clientX - r.left) / w * (view.hi - view.lo);
    const d = depthAtY(clientY - r.top - padTop(), tree.maxDepth, icicle, view.scrollTop);
    return frameAt(tree, d, x);
  }
  function showDetails(i) {
    const shown = i >= 0 ? i : pinned;
    details.textContent = tree && shown >= 0 ? describeFrame(tree, shown, diff, shape) : "";
  }
  function setHover(i) {
    if (i === hover) return;
    hover = i;
    showDetails(i);
    scheduleDraw();
  }
  function setMatched(text, extra = "") {
    matchedEl.textContent = text ? `Matched: ${text}${extra}` : "";
    matchedEl.hidden = !text;
    try {
      opts.onMatched?.(text);
    } catch (err) {
      console.error("driftwatch viewer: onMatched failed", err);
    }
  }
  function currentMatcher() {
    if (selectedName >= 0 && tree) {
      const want = tree.names[selectedName];
      return (name) => name === want;
    }
    const pattern = searchInput.value;
    if (!pattern) return null;
    const { re } = compilePattern(pattern, caseSensitive);
    return re ? (name) => re.test(name) : null;
  }
  let matchedFor = { tree: (
    /** @type {object | null} */
    null
  ), key: "" };
  function refreshMatched() {
    if (!tree) return;
    const focus = view.focus > 0 ? view.focus : 0;
    const key = [focus, selectedName, caseSensitive, searchInput.value].join("\0");
    if (hits && matchedFor.tree === tree && matchedFor.key === key) return;
    const matcher = currentMatcher();
    if (!matcher) return;
    matchedFor = { tree, key };
    const result = searchTree(tree, matcher, focus);
    hits = result.hits;
    root.dataset.matchedFrames = String(result.count);
    const extra = focus > 0 ? ` · ${formatPercent(result.percentFocus)} of the zoomed frame` : "";
    setMatched(formatPercent(result.percentAll), extra);
  }
  function clearMatch() {
    hits = null;
    root.dataset.matchedFrames = "0";
    setMatched("");
    scheduleDraw();
  }
  function runSearch() {
    clearTimeout(searchTimer);
    selectedName = -1;
    markSelectedRow();
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    const pattern = searchInput.value;
    if (!pattern) {
      clearMatch();
      emitState();
      return;
    }
    if (!compilePattern(pattern, caseSensitive).re) {
      clearMatch();
      searchInput.setAttribute("aria-invalid", "true");
      searchError.textContent = "invalid pattern";
      emitState();
      return;
    }
    if (!tree) return;
    refreshMatched();
    scheduleDraw();
    emitState();
  }
  function tableColumns() {
    const cols = [
      ["name", "Function"],
      ["self", diff ? `Self (${shape})` : "Self"],
      ["total", diff ? `Total (${shape})` : "Total"]
    ];
    if (diff) {
      cols.push(["otherSelf", `Self (${shape === "head" ? "base" : "head"})`]);
      cols.push(["deltaSelf", "Δ self"]);
    }
    return cols;
  }
  function renderTable() {
    if (!tree || panel.hidden) return;
    if (!functionRows) functionRows = functionsOf(tree);
    const t = tree;
    const pct = (v, of) => formatPercent(100 * v / (of || 1));
    const head = el("tr");
    for (const [key, label] of tableColumns()) {
      const th = el("th", { "aria-sort": key === sortColumn ? sortDescending ? "descending" : "ascending" : "none" });
      const b = el("button", { type: "button", "data-testid": `dw-sort-${key}`, "data-column": key }, label);
      th.append(b);
      head.append(th);
    }
    thead.replaceChildren(head);
    const rows = sortFunctions(functionRows, sortColumn, sortDescending);
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(0, MAX_TABLE_ROWS)) {
      const tr = el("tr", { "data-testid": "dw-function-row", "data-name": r.name });
      const cells = [
        r.name,
        `${pct(r.self, t.totalSamples)}`,
        `${pct(r.total, t.totalSamples)}`
      ];
      if (diff) {
        cells.push(pct(r.otherSelf, t.otherSamples));
        cells.push(`${r.deltaSelf >= 0 ? "+" : ""}${(100 * r.deltaSelf).toFixed(2)} pp`);
      }
      for (const c of cells) tr.append(el("td", {}, c));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    tableNote.textContent = rows.length > MAX_TABLE_ROWS ? `${MAX_TABLE_ROWS} of ${rows.length} functions shown (sort to see others)` : "";
    markSelectedRow();
  }
  function markSelectedRow() {
    const want = selectedName >= 0 && tree ? tree.names[selectedName] : null;
    for (const tr of tbody.children) {
      tr.classList.toggle("dw-row-selected", want !== null && /** @type {HTMLElement} */
      tr.dataset.name === want);
    }
  }
  async function load(folded, base) {
    const token = ++loadToken;
    setStatus("loading");
    opts.folded = folded;
    opts.base = base;
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (token !== loadToken || destroyed) return;
    let built;
    try {
      built = await buildTreeAsync(folded, {
        base,
        shape,
        fileName,
        isCurrent: () => token === loadToken && !destroyed
      });
    } catch (err) {
      if (token !== loadToken || destroyed) return;
      tree = null;
      scheduleDraw();
      setStatus("error", `Could not show ${fileName}: ${errorText(err)}`);
      return;
    }
    if (!built || token !== loadToken || destroyed) return;
    tree = built;
    diff = typeof base === "string" ? selfDeltas(built, shape) : null;
    pixels = new Uint32Array(built.n);
    namePixels = new Uint32Array(built.names.length);
    labelWidths = new Float32Array(built.names.length).fill(NaN);
    functionRows = null;
    hits = null;
    hover = -1;
    pinned = -1;
    root.dataset.diff = diff ? "true" : "false";
    shapeBtn.hidden = !diff;
    legend.hidden = !diff;
    shapeBtn.textContent = `Shape: ${shape}`;
    shapeBtn.title = "Size frames by the head or by the base profile";
    legend.replaceChildren(
      el("span", { class: "dw-legend-swatch dw-legend-red" }),
      "self share grew (head > base)",
      el("span", { class: "dw-legend-swatch dw-legend-blue" }),
      "shrank"
    );
    root.style.setProperty("--dw-content-height", `${contentPx(built.maxDepth)}px`);
    size = { w: 0, h: 0 };
    const saved = opts.state;
    opts.state = void 0;
    if (saved && typeof saved.lo === "number" && typeof saved.hi === "number") {
      const focus = typeof saved.focus === "number" && saved.focus < built.n ? saved.focus : -1;
      setView({ lo: saved.lo, hi: saved.hi, scrollTop: saved.scrollTop ?? 0, focus });
      if (saved.table) panel.hidden = false;
      if (saved.search) searchInput.value = saved.search;
    } else {
      home();
    }
    if (searchInput.value) runSearch();
    else setMatched("");
    renderTable();
    syncButtons();
    setStatus("ready");
  }
  function syncButtons() {
    modeBtn.textContent = icicle ? "Flame" : "Icicle";
    modeBtn.title = icicle ? "Show as a flame graph (root at the bottom)" : "Show as an icicle graph (root at the top)";
    root.dataset.mode = icicle ? "icicle" : "flame";
    caseBtn.setAttribute("aria-pressed", String(caseSensitive));
    tableBtn.setAttribute("aria-pressed", String(!panel.hidden));
  }
  const fullscreen = createFullscreen(root, dom.fullscreenBtn);
  listen(dom.zoomInBtn, "click", () => zoomCenter(ZOOM_STEP));
  listen(dom.zoomOutBtn, "click", () => zoomCenter(1 / ZOOM_STEP));
  listen(dom.resetBtn, "click", resetAll);
  listen(dom.fullscreenBtn, "click", fullscreen.toggle);
  listen(document, "fullscreenchange", () => {
    fullscreen.sync();
    size = { w: 0, h: 0 };
    scheduleDraw();
  });
  listen(dom.downloadBtn, "click", async () => {
    if (opts.url) {
      try {
        const got = await acquireSvg(opts.url, {
          fileName,
          refreshUrl: opts.refreshUrl,
          fallbackBytes: opts.fallbackBytes
        });
        if (got) downloadBytes(root, got.original, fileName);
      } catch (err) {
        details.textContent = errorText(err);
      }
      return;
    }
    if (opts.fallbackBytes) {
      try {
        const text = await opts.fallbackBytes();
        if (typeof text === "string" && text) {
          downloadBytes(root, new TextEncoder().encode(text), fileName);
          return;
        }
      } catch {
      }
    }
    const name = fileName.replace(/\.svg$/i, "") + ".folded";
    downloadBytes(root, new TextEncoder().encode(opts.folded), name);
  });
  listen(modeBtn, "click", () => {
    icicle = !icicle;
    syncButtons();
    if (tree) setView({ ...view, scrollTop: homeScroll(tree.maxDepth, measure().h, icicle) });
  });
  listen(caseBtn, "click", () => {
    caseSensitive = !caseSensitive;
    syncButtons();
    runSearch();
  });
  listen(tableBtn, "click", () => {
    panel.hidden = !panel.hidden;
    syncButtons();
    renderTable();
    emitState();
  });
  listen(shapeBtn, "click", () => {
    if (!tree || opts.base === void 0) return;
    shape = shape === "head" ? "base" : "head";
    void load(opts.folded, opts.base);
  });
  listen(thead, "click", (ev) => {
    const b = (
      /** @type {HTMLElement | null} */
      ev.target?.closest?.("button[data-column]")
    );
    if (!b) return;
    const col = (
      /** @type {import("./stacks.js").FunctionColumn} */
      /** @type {HTMLElement} */
      b.dataset.column
    );
    if (col === sortColumn) sortDescending = !sortDescending;
    else {
      sortColumn = col;
      sortDescending = col !== "name";
    }
    renderTable();
  });
  listen(tbody, "click", (ev) => {
    const tr = (
      /** @type {HTMLElement | null} */
      /** @type {HTMLElement} */
      ev.target?.closest?.("tr[data-name]")
    );
    if (!tr || !tree) return;
    const id = tree.names.indexOf(tr.dataset.name || "");
    searchInput.value = "";
    searchError.textContent = "";
    searchInput.removeAttribute("aria-invalid");
    if (id === selectedName || id < 0) {
      selectedName = -1;
      clearMatch();
    } else {
      selectedName = id;
      refreshMatched();
    }
    markSelectedRow();
    scheduleDraw();
  });
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
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "f" || ev.key === "/") {
      ev.preventDefault();
      searchInput.focus();
      searchInput.select();
    } else if (ev.key === "+" || ev.key === "=") zoomCenter(ZOOM_STEP);
    else if (ev.key === "-") zoomCenter(1 / ZOOM_STEP);
    else if (ev.key === "0") resetAll();
    else if (ev.key === "Escape") {
      if (fullscreen.isFallback()) fullscreen.toggle();
      else resetAll();
    } else return;
    ev.stopPropagation();
  });
  listen(
    viewport,
    "wheel",
    (ev) => {
      if (!tree) return;
      if (!ev.ctrlKey && !ev.metaKey && !root.contains(document.activeElement) && !fullscreen.isOn()) return;
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      if (ev.shiftKey && !ev.ctrlKey) {
        setView({ ...view, scrollTop: view.scrollTop + ev.deltaY + ev.deltaX });
        return;
      }
      setView(zoomRangeAt(view, tree.totalSamples, wheelFactor(ev.deltaY, ev.deltaMode), ev.clientX - r.left, measure().w));
    },
    { passive: false }
  );
  let drag = null;
  let suppressClick = false;
  listen(viewport, "pointerdown", (ev) => {
    if (ev.button !== 0 || !tree || ev.target === thumb || ev.target === vscroll) return;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, view, moved: false };
    suppressClick = false;
  });
  listen(viewport, "pointermove", (ev) => {
    if (drag && drag.id === ev.pointerId && tree) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && !isDrag(dx, dy)) return;
      if (!drag.moved) {
        drag.moved = true;
        dom.dragCover.hidden = false;
        dom.dragCover.setPointerCapture?.(ev.pointerId);
      }
      const moved = panRange(drag.view, tree.totalSamples, dx, measure().w);
      setView({ ...moved, scrollTop: drag.view.scrollTop - dy });
      return;
    }
    if (!drag) setHover(frameAtPoint(ev.clientX, ev.clientY));
  });
  const endDrag = (ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    suppressClick = drag.moved;
    drag = null;
    dom.dragCover.hidden = true;
  };
  listen(viewport, "pointerup", endDrag);
  listen(viewport, "pointercancel", endDrag);
  listen(viewport, "pointerleave", () => {
    if (!drag) setHover(-1);
  });
  listen(viewport, "click", (ev) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const i = frameAtPoint(ev.clientX, ev.clientY);
    if (i < 0) return;
    pinned = i;
    zoomToFrame(i);
    showDetails(i);
  });
  listen(viewport, "dblclick", (ev) => {
    ev.preventDefault();
    resetAll();
  });
  let thumbDrag = null;
  listen(thumb, "pointerdown", (ev) => {
    ev.stopPropagation();
    thumbDrag = { id: ev.pointerId, y: ev.clientY, top: view.scrollTop };
    thumb.setPointerCapture?.(ev.pointerId);
  });
  listen(thumb, "pointermove", (ev) => {
    if (!thumbDrag || thumbDrag.id !== ev.pointerId || !tree) return;
    const { h } = measure();
    const content = contentPx(tree.maxDepth);
    const thumbH = Math.max(20, h * h / content);
    const perPx = (content - h) / Math.max(1, h - thumbH);
    setView({ ...view, scrollTop: thumbDrag.top + (ev.clientY - thumbDrag.y) * perPx });
  });
  listen(thumb, "pointerup", () => {
    thumbDrag = null;
  });
  listen(thumb, "click", (ev) => ev.stopPropagation());
  listen(vscroll, "click", (ev) => ev.stopPropagation());
  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver(() => {
      size = { w: 0, h: 0 };
      if (tree) setView(view);
    });
    ro.observe(viewport);
    cleanups.push(() => ro.disconnect());
  }
  fullscreen.sync();
  syncButtons();
  setMatched("");
  if (opts.state?.search) searchInput.value = opts.state.search;
  if (opts.state?.table) panel.hidden = false;
  void load(opts.folded, opts.base);
  const handle = {
    setFolded(folded, base) {
      opts.state = void 0;
      return load(folded, base);
    },
    setShape(next) {
      shape = next === "base" ? "base" : "head";
      return load(opts.folded, opts.base);
    },
    setMode(mode) {
      icicle = mode === "icicle";
      syncButtons();
      if (tree) setView({ ...view, scrollTop: homeScroll(tree.maxDepth, measure().h, icicle) });
    },
    setUrl(url) {
      opts.url = url;
      if (!opts.fileName) {
        fileName = fileNameFromUrl(url);
        dom.nameEl.textContent = fileName;
      }
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
    getState,
    frameBox(name) {
      if (!tree) return null;
      const t = tree;
      const { w, h } = measure();
      const r = canvas.getBoundingClientRect();
      const scale = w / (view.hi - view.lo);
      let best = -1;
      let bestW = 0;
      for (let i = 0; i < t.n; i++) {
        if (t.names[t.nameOf[i]] !== name) continue;
        const x02 = Math.max((t.start[i] - view.lo) * scale, 0);
        const x1 = Math.min((t.start[i] + t.total[i] - view.lo) * scale, w);
        const y2 = rowY(t.depth[i]);
        if (x1 - x02 > bestW && y2 >= 0 && y2 + ROW_PX <= h) {
          best = i;
          bestW = x1 - x02;
        }
      }
      if (best < 0) return null;
      const x0 = Math.max((t.start[best] - view.lo) * scale, 0);
      const y = rowY(t.depth[best]);
      return { x: r.left + x0, y: r.top + y, width: bestW, height: ROW_PX - 1 };
    },
    names() {
      return tree ? tree.names.slice(1) : [];
    },
    destroy() {
      destroyed = true;
      loadToken++;
      clearTimeout(searchTimer);
      fullscreen.exit();
      for (const fn of cleanups.splice(0)) fn();
      root.remove();
    }
  };
  Object.defineProperty(root, "dwViewer", { value: handle, configurable: true });
  return handle;
}

// src/viewer.js
var SEARCH_DEBOUNCE_MS2 = 150;
var DEFAULT_HEIGHT2 = 480;
function mountViewer(host, options = {}) {
  if (typeof options.folded === "string") {
    return (
      /** @type {ViewerHandle} */
      /** @type {unknown} */
      mountStacksViewer(host, { ...options, folded: options.folded })
    );
  }
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
  setHeight(opts.height ?? DEFAULT_HEIGHT2);
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
    const h = Number(px) > 0 ? Number(px) : DEFAULT_HEIGHT2;
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
    searchTimer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS2);
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
var savedViews = /* @__PURE__ */ new WeakMap();
function render({ model, el: host }) {
  const kernel = createKernelChannel(model);
  function sync(name, value) {
    if (model.get(name) === value) return;
    model.set(name, value);
    model.save_changes();
  }
  const url = model.get("url") || "";
  const text = model.get("svg_text") || "";
  const folded = model.get("folded") || "";
  if (folded) return renderStacks(model, host, kernel, sync);
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
function renderStacks(model, host, kernel, sync) {
  const base = () => {
    const b = model.get("base_folded") || "";
    return b ? b : void 0;
  };
  const handle = mountStacksViewer(host, {
    folded: model.get("folded") || "",
    base: base(),
    shape: model.get("shape") === "base" ? "base" : "head",
    mode: model.get("mode") === "icicle" ? "icicle" : "flame",
    url: model.get("url") || void 0,
    fileName: model.get("file_name") || void 0,
    height: model.get("height"),
    state: savedViews.get(model),
    refreshUrl: () => kernel.ask("refresh_url"),
    fallbackBytes: () => {
      const have = model.get("svg_text");
      return have ? Promise.resolve(have) : kernel.ask("request_bytes");
    },
    onStatus: (s) => sync("status", s),
    onMatched: (m) => sync("matched", m),
    onState: (state) => savedViews.set(model, state)
  });
  const onFolded = () => {
    savedViews.delete(model);
    void handle.setFolded(model.get("folded") || "", base());
  };
  const onShape = () => void handle.setShape(model.get("shape") === "base" ? "base" : "head");
  const onMode = () => handle.setMode(model.get("mode") === "icicle" ? "icicle" : "flame");
  const onUrl = () => {
    const next = model.get("url") || "";
    if (kernel.waiting("refresh_url")) kernel.answer("refresh_url", next);
    else handle.setUrl(next);
  };
  const onText = () => {
    if (kernel.waiting("request_bytes")) kernel.answer("request_bytes", model.get("svg_text") || "");
  };
  const onFileName = () => handle.setFileName(model.get("file_name") || "");
  const onHeight = () => handle.setHeight(model.get("height"));
  const onCustom = (msg) => {
    if (!msg || msg.type !== "error" || typeof msg.request !== "string") return;
    kernel.fail(msg.request, new Error(String(msg.message || "the kernel could not do it")));
  };
  const events = [
    ["change:folded", onFolded],
    ["change:base_folded", onFolded],
    ["change:shape", onShape],
    ["change:mode", onMode],
    ["change:url", onUrl],
    ["change:svg_text", onText],
    ["change:file_name", onFileName],
    ["change:height", onHeight],
    ["msg:custom", onCustom]
  ];
  for (const [ev, fn] of events) model.on(ev, fn);
  return () => {
    savedViews.set(model, handle.getState());
    for (const [ev, fn] of events) model.off(ev, fn);
    kernel.closeAll(new Error("the view was closed"));
    handle.destroy();
  };
}
var widget_default = { render };
export {
  ViewerError,
  buildTree,
  widget_default as default,
  functionsOf,
  mountStacksViewer,
  mountViewer,
  parseFrameTitle,
  sanitizeSvg,
  searchTree,
  sortFunctions
};
