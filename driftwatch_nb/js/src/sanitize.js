// SVG sanitizing. The SVG is parsed with DOMParser (a document without a browsing context, so
// nothing in it runs or loads while parsing) and cleaned: scripts, foreign content, event
// handlers, script-capable links and external fetches are removed. The decisions are plain
// functions of names and strings, so they are tested without a browser.

import { ViewerError } from "./format.js";

export const SVG_NS = "http://www.w3.org/2000/svg";

// Elements dropped wholesale. Anything outside the SVG namespace goes too (XHTML smuggled in
// through a namespace prefix, for instance), so this list only needs SVG-namespace names.
const FORBIDDEN_ELEMENTS = new Set([
  "script",
  "foreignobject",
  "handler",
  "listener",
  "iframe",
  "embed",
  "object",
  "audio",
  "video",
  "canvas",
  "link",
  "meta",
  "base",
]);
const ANIMATION_ELEMENTS = new Set(["animate", "set", "animatetransform", "animatemotion", "animatecolor"]);
const SCRIPT_URL_RE = /(?:java|vb)script\s*:|^\s*data\s*:\s*text\/html/i;
const EXTERNAL_URL_RE = /url\(\s*(?!['"]?\s*#)[^)]*\)/gi;
const SAFE_IMAGE_DATA_RE = /^\s*data:image\/(?:png|jpe?g|gif|webp);/i;
const LINK_ATTRIBUTES = new Set(["href", "src", "base", "action"]);

/**
 * CSS (a <style> body or a style/presentation attribute) without CSS imports and without url()s
 * that point outside the document (`url(#id)` stays).
 *
 * @param {string} css
 * @returns {string}
 */
export function stripExternalUrls(css) {
  return css.replace(/@import[^;]*;?/gi, "").replace(EXTERNAL_URL_RE, "none");
}

/**
 * Whether an element is dropped with its subtree, given its local name and namespace.
 * Animations are judged separately (`isDangerousAnimation`).
 *
 * @param {string} localName
 * @param {string | null} namespaceURI
 * @returns {boolean}
 */
export function isForbiddenElement(localName, namespaceURI) {
  return namespaceURI !== SVG_NS || FORBIDDEN_ELEMENTS.has(localName.toLowerCase());
}

/**
 * Whether `localName` is an SVG animation element.
 *
 * @param {string} localName
 * @returns {boolean}
 */
export function isAnimationElement(localName) {
  return ANIMATION_ELEMENTS.has(localName.toLowerCase());
}

/**
 * Whether an animation element could set an event handler or a script link.
 *
 * @param {(name: string) => string | null} getAttribute The element's attribute reader.
 * @returns {boolean}
 */
export function isDangerousAnimation(getAttribute) {
  const target = (getAttribute("attributeName") || "").trim().toLowerCase();
  if (/^on/.test(target) || /(^|:)href$/.test(target)) return true;
  for (const name of ["to", "from", "by", "values"]) {
    const value = getAttribute(name);
    if (value && SCRIPT_URL_RE.test(value)) return true;
  }
  return false;
}

/**
 * What happens to one attribute: `null` to drop it, otherwise its (possibly cleaned) value.
 *
 * @param {string} localName The attribute's local name (any case).
 * @param {string} value
 * @param {boolean} isImage The attribute sits on an <image> (a raster data: URL may stay).
 * @returns {string | null}
 */
export function sanitizeAttributeValue(localName, value, isImage) {
  const name = localName.toLowerCase();
  if (name.startsWith("on")) return null;
  if (LINK_ATTRIBUTES.has(name)) {
    const v = value.trim();
    const safe = v.startsWith("#") || (isImage && name === "href" && SAFE_IMAGE_DATA_RE.test(v));
    return safe ? value : null;
  }
  if (SCRIPT_URL_RE.test(value)) return null;
  if (value.includes("url(")) return stripExternalUrls(value);
  return value;
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

/** @param {Element} el @param {boolean} isImage */
function sanitizeAttributes(el, isImage) {
  const attrs = el.attributes;
  for (let i = attrs.length - 1; i >= 0; i--) {
    const attr = attrs[i];
    const next = sanitizeAttributeValue(attr.localName, attr.value, isImage);
    if (next === null) el.removeAttributeNode(attr);
    else if (next !== attr.value) attr.value = next;
  }
}

/**
 * Parse and sanitize SVG text. Nothing in the returned tree can run script or fetch from the
 * network; titles, rects, text, groups and styles are kept.
 *
 * @param {string} text SVG source.
 * @returns {{ svg: SVGSVGElement, removed: number }} The sanitized root element (still owned by
 *   a detached XML document) and how many elements were removed.
 * @throws {ViewerError} When the text is empty, not XML, not an SVG, or declares entities.
 */
export function sanitizeSvg(text) {
  const refused = precheckSvgText(text);
  if (refused) throw new ViewerError(refused);
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const problem = doc.getElementsByTagName("parsererror")[0];
  if (problem) {
    const detail = (problem.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200);
    throw new ViewerError(`the file is not well-formed XML (${detail || "parse error"})`);
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) {
    throw new ViewerError("the file is XML but its root element is not an SVG <svg>");
  }
  let removed = 0;
  const all = root.getElementsByTagName("*");
  /** @type {Element[]} */
  const elements = [root];
  for (let i = 0; i < all.length; i++) elements.push(all[i]);
  for (const el of elements) {
    if (!el.isConnected) continue; // inside a subtree removed earlier
    const name = el.localName.toLowerCase();
    if (
      isForbiddenElement(name, el.namespaceURI) ||
      (isAnimationElement(name) && isDangerousAnimation((a) => el.getAttribute(a)))
    ) {
      el.remove();
      removed++;
      continue;
    }
    if (el.attributes.length) sanitizeAttributes(el, name === "image");
    if (name === "style") el.textContent = stripExternalUrls(el.textContent || "");
  }
  return { svg: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (root)), removed };
}
