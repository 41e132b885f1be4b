// SVG sanitizing by allow-list. The text is first stripped of event-handler attribute names
// and <base> elements (so that Chromium never even sees one, and logs no CSP refusal), then parsed with
// DOMParser (a document without a browsing context: nothing in it runs or loads while
// parsing) and rebuilt in place keeping only what a picture needs: a fixed set of SVG shape,
// text, grouping and gradient elements, a fixed set of attributes per element, values that
// match strict patterns, and `style` declarations of a few presentation properties. There is
// no `<style>` element in the result: simple rules of the author's stylesheets (type, class
// and id selectors; allowed properties only) are applied as inline styles, the sheets dropped.
// Nothing in the result can run script, fetch anything (no URL survives except `#id`
// references inside the document) or place itself outside the viewer's box (no positioning,
// no `:host` rule, no CSS at all that reaches beyond its own element).
// The decisions are plain functions of names and strings, tested in Node without a browser.

import { ViewerError } from "./format.js";

export const SVG_NS = "http://www.w3.org/2000/svg";

// Elements kept, by local name (in the SVG namespace only).
const ALLOWED_ELEMENTS = new Set([
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
  "clippath",
]);
// Elements replaced by a plain <g> holding their children: a link's picture (and its id and
// presentation) stays, the link goes.
const REGROUPED_ELEMENTS = new Set(["a", "switch"]);

// Presentation attributes and style properties, by the kind of value they take.
/** @type {Record<string, "paint" | "number" | "length" | "keyword" | "font" | "clip" | "dash">} */
const PRESENTATION = {
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
  "clip-path": "clip",
};
// `display` and `visibility` may hide, never lay out: only these values.
const KEYWORD_LIMITS = {
  display: new Set(["none", "inline"]),
  visibility: new Set(["visible", "hidden", "collapse"]),
};
// Geometry attributes, by element (besides the presentation attributes and `id`).
const SHAPE = ["transform"];
const GEOMETRY = {
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
  clippath: ["clipPathUnits", ...SHAPE],
};
/** @type {Map<string, Set<string>>} */
const ALLOWED_ATTRIBUTES = new Map(
  Object.entries(GEOMETRY).map(([el, names]) => [el, new Set(names.map((n) => n.toLowerCase()))]),
);

const MAX_VALUE_LENGTH = 4096; // a style or presentation value; geometry (`d`, `points`) is free
const COLOR_RE =
  /^(?:#[0-9a-f]{3,8}|[a-z]{3,24}|(?:rgba?|hsla?)\(\s*[-+0-9.eE%]+(?:\s*[,/\s]\s*[-+0-9.eE%]+){2,3}\s*\))$/i;
const FRAGMENT_URL_RE = /^url\(\s*(['"]?)#[\w.:-]{1,128}\1\s*\)$/;
const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?%?$/i;
const LENGTH_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?:px|em|ex|pt|pc|mm|cm|in|%)?$/i;
const KEYWORD_RE = /^[a-z][a-z0-9-]{0,31}$/i;
const FONT_RE = /^[\w\s,'"-]{1,200}$/;
// Geometry: numbers, path commands, separators and unit/keyword letters; never a parenthesis,
// colon, quote, backslash, at-sign or semicolon.
const GEOMETRY_RE = /^[\w\s.,%+#-]*$/;
const TRANSFORM_RE = /^(?:[\s,]*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([-+0-9.eE,\s]*\))*[\s,]*$/;
const FRAGMENT_RE = /^#[\w.:-]{1,128}$/;
const ID_RE = /^[A-Za-z_][\w.:-]{0,127}$/;

/**
 * Whether a presentation value is safe for its property: colours, `none`, numbers, lengths,
 * keywords, font names, `url(#id)` for paints and clip paths. Anything with a backslash (a CSS
 * escape), an at-sign, a URL to somewhere else or a function other than a colour is refused.
 *
 * @param {string} property Lower-case property name.
 * @param {string} value
 * @returns {boolean}
 */
export function isSafePresentationValue(property, value) {
  const kind = Object.hasOwn(PRESENTATION, property) ? PRESENTATION[property] : undefined;
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
      const limit = KEYWORD_LIMITS[/** @type {"display" | "visibility"} */ (property)];
      return KEYWORD_RE.test(v) && (!limit || limit.has(v.toLowerCase()));
    }
    default:
      return false;
  }
}

/**
 * A `style` attribute (or a rule's declarations) cut down to the allowed presentation
 * properties with safe values, as `[property, value]` pairs in source order. `!important` is
 * dropped; a declaration with any escape, comment or unknown property is dropped whole.
 *
 * @param {string} css
 * @returns {[string, string][]}
 */
export function safeDeclarations(css) {
  /** @type {[string, string][]} */
  const out = [];
  if (css.length > 65536) return out;
  for (const part of css.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const property = part.slice(0, colon).trim().toLowerCase();
    const value = part
      .slice(colon + 1)
      .replace(/!\s*important\s*$/i, "")
      .trim();
    if (/\/\*/.test(part) || !isSafePresentationValue(property, value)) continue;
    out.push([property, value]);
  }
  return out;
}

/**
 * Serialize declarations as a `style` attribute value.
 *
 * @param {Iterable<[string, string]>} declarations
 * @returns {string}
 */
export function styleText(declarations) {
  return [...declarations].map(([p, v]) => `${p}: ${v}`).join("; ");
}

/**
 * Whether an element is kept, dropped with its subtree, or replaced by a `<g>` holding its
 * children (`"group"`).
 *
 * @param {string} localName
 * @param {string | null} namespaceURI
 * @returns {"keep" | "drop" | "group"}
 */
export function elementVerdict(localName, namespaceURI) {
  if (namespaceURI !== SVG_NS) return "drop";
  const name = localName.toLowerCase();
  if (ALLOWED_ELEMENTS.has(name)) return "keep";
  return REGROUPED_ELEMENTS.has(name) ? "group" : "drop";
}

/**
 * What happens to one attribute of a kept element: `null` to drop it, otherwise its value.
 *
 * @param {string} element The element's local name (any case).
 * @param {string} name The attribute's qualified name as written (`fill`, `xlink:href`, `fg:x`).
 * @param {string} value
 * @returns {string | null}
 */
export function sanitizeAttribute(element, name, value) {
  const el = element.toLowerCase();
  const attr = name.toLowerCase();
  if (attr.startsWith("xmlns")) return value; // namespace declarations: already applied
  if (attr === "id") return ID_RE.test(value) ? value : null;
  if (attr === "xml:space") return value === "preserve" || value === "default" ? value : null;
  if (attr === "style") {
    const kept = safeDeclarations(value);
    return kept.length ? styleText(kept) : null;
  }
  if (Object.hasOwn(PRESENTATION, attr)) return isSafePresentationValue(attr, value) ? value : null;
  const local = attr === "xlink:href" ? "href" : attr;
  if (!ALLOWED_ATTRIBUTES.get(el)?.has(local)) return null;
  if (local === "href") return FRAGMENT_RE.test(value.trim()) ? value.trim() : null;
  if (local === "transform" || local === "gradienttransform") return TRANSFORM_RE.test(value) ? value : null;
  if (local === "fg:x" || local === "fg:w") return NUMBER_RE.test(value.trim()) ? value : null;
  return GEOMETRY_RE.test(value) ? value : null;
}

/**
 * The simple rules of a stylesheet, as `[selector, declarations]` pairs: selectors made of
 * type, class and id selectors with descendant/child combinators (no pseudo-classes, no
 * attribute selectors, so no `:host`), declarations cut down by `safeDeclarations`. A sheet
 * with a backslash or an at-rule is dropped whole rather than guessed at.
 *
 * @param {string} css
 * @returns {[string, [string, string][]][]}
 */
export function simpleRules(css) {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  if (/[\\@]/.test(text) || text.length > 65536) return [];
  /** @type {[string, [string, string][]][]} */
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

// Element names the browser acts on while merely parsing into an inert document (an HTML
// <base> sets the parsed document's base URL, which the page's CSP then refuses, loudly).
const PARSE_TIME_ELEMENTS_RE = /^((?:[^:]*:)?)(base)$/i;

/**
 * SVG text defused before DOMParser sees it: every event-handler attribute renamed
 * (`onclick=` becomes `dw-dropped-onclick=`) and every `<base>` element renamed
 * (`<dw-dropped-base>`), found by scanning tags only, so text, comments, CDATA and attribute
 * values are left alone. The sanitizer drops the renamed attributes and elements anyway;
 * renaming first means the browser never sees a handler or a base URL, not even in the inert
 * parsed document, so a page's CSP has nothing to refuse.
 *
 * @param {string} text
 * @returns {string}
 */
export function defuseMarkup(text) {
  if (!/[\s:]on|base/i.test(text)) return text;
  const markup =
    /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<![^>]*>|<\/([^\s>]+)(\s*)>|<([^\s/>!?][^\s/>]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)(\s*\/?>)/g;
  const attribute = /(\s+)([^\s=/>]+)(\s*=\s*(?:"[^"]*"|'[^']*'))/g;
  /** @param {string} name */
  const tagName = (name) => name.replace(PARSE_TIME_ELEMENTS_RE, "$1dw-dropped-$2");
  return text.replace(
    markup,
    (
      /** @type {string} */ tag,
      /** @type {string | undefined} */ endName,
      /** @type {string | undefined} */ endSpace,
      /** @type {string | undefined} */ name,
      /** @type {string | undefined} */ attrs,
      /** @type {string | undefined} */ close,
    ) => {
      if (endName !== undefined) return `</${tagName(endName)}${endSpace}>`;
      if (name === undefined) return tag; // comment, CDATA, processing instruction, declaration
      const renamed =
        attrs && /[\s:]on/i.test(attrs)
          ? attrs.replace(
              attribute,
              (/** @type {string} */ all, /** @type {string} */ sp, /** @type {string} */ attr, /** @type {string} */ rest) =>
                /^(?:[^:]*:)?on/i.test(attr) ? `${sp}dw-dropped-${attr.replace(/:/g, "-")}${rest}` : all,
            )
          : attrs;
      return `<${tagName(name)}${renamed ?? ""}${close}`;
    },
  );
}

/**
 * The reason to refuse SVG text before parsing it, or null.
 *
 * @param {unknown} text
 * @returns {string | null}
 */
export function precheckSvgText(text) {
  if (typeof text !== "string" || !text.trim()) return "the file is empty";
  const rootAt = text.search(/<svg[\s>]/i);
  const prolog = rootAt >= 0 ? text.slice(0, rootAt) : text.slice(0, 65536);
  if (/<!ENTITY/i.test(prolog)) return "the SVG declares XML entities, which flamegraphs never need";
  return null;
}

/** @param {Element} el */
function sanitizeAttributes(el) {
  const name = el.localName;
  const attrs = el.attributes;
  for (let i = attrs.length - 1; i >= 0; i--) {
    const attr = attrs[i];
    const next = attr.namespaceURI === "http://www.w3.org/2000/xmlns/" ? attr.value : sanitizeAttribute(name, attr.name, attr.value);
    if (next === null) el.removeAttributeNode(attr);
    else if (next !== attr.value) attr.value = next;
  }
}

/**
 * Apply the simple rules of the removed stylesheets as inline styles (the element's own
 * `style` wins, later rules win over earlier ones).
 *
 * @param {Element} root
 * @param {string[]} sheets
 */
function inlineRules(root, sheets) {
  /** @type {Map<Element, Map<string, string>>} */
  const styles = new Map();
  for (const sheet of sheets) {
    for (const [selector, declarations] of simpleRules(sheet)) {
      let matched;
      try {
        matched = root.querySelectorAll(selector);
      } catch {
        continue;
      }
      for (const el of matched) {
        let style = styles.get(el);
        if (!style) styles.set(el, (style = new Map()));
        for (const [p, v] of declarations) style.set(p, v);
      }
    }
  }
  for (const [el, style] of styles) {
    for (const [p, v] of safeDeclarations(el.getAttribute("style") || "")) style.set(p, v);
    el.setAttribute("style", styleText(style));
  }
}

/**
 * Parse and sanitize SVG text for showing as a picture. Nothing in the returned tree can run
 * script, fetch from the network or draw outside its own box; shapes, text, groups, titles,
 * gradients and their presentation are kept.
 *
 * @param {string} text SVG source.
 * @returns {{ svg: SVGSVGElement, removed: number }} The sanitized root element (still owned by
 *   a detached XML document) and how many elements were removed.
 * @throws {ViewerError} When the text is empty, not XML, not an SVG, or declares entities.
 */
export function sanitizeSvg(text) {
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
  // The author's stylesheets become inline styles first, while the classes they select are
  // still there; the sanitizing pass below then drops the sheets and the classes.
  const sheets = [...root.getElementsByTagNameNS(SVG_NS, "style")].map((s) => s.textContent || "");
  if (sheets.length) inlineRules(root, sheets);
  let removed = 0;
  const all = root.getElementsByTagName("*");
  /** @type {Element[]} */
  const elements = [root];
  for (let i = 0; i < all.length; i++) elements.push(all[i]);
  for (const el of elements) {
    if (!el.isConnected) continue; // inside a subtree removed earlier
    if (el === root) {
      sanitizeAttributes(el);
      continue;
    }
    const verdict = elementVerdict(el.localName, el.namespaceURI);
    if (verdict === "keep") {
      sanitizeAttributes(el);
      continue;
    }
    removed++;
    if (verdict === "group") {
      const g = doc.createElementNS(SVG_NS, "g");
      for (const attr of el.attributes) {
        const value = sanitizeAttribute("g", attr.name, attr.value);
        if (value !== null && !attr.name.startsWith("xmlns")) g.setAttribute(attr.name, value);
      }
      g.append(...el.childNodes);
      el.replaceWith(g);
    } else el.remove();
  }
  // Comments and processing instructions inside the picture carry nothing worth keeping.
  const walker = doc.createTreeWalker(root, 0x80 | 0x40); // SHOW_COMMENT | SHOW_PROCESSING_INSTRUCTION
  /** @type {Node[]} */
  const stray = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) stray.push(n);
  for (const n of stray) n.parentNode?.removeChild(n);
  return { svg: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (root)), removed };
}
