// Flamegraph index: one pass over the frames after load, names parsed lazily. Reads elements
// only through getAttribute / firstElementChild / nextElementSibling / parentNode, so a tiny
// fake tree is enough to test it.

const TITLE_RE = /^([\s\S]*?) \(([\d,.]+) ([^,()]+), ([\d.]+)%\)$/;
const TITLE_SUFFIX_RE = /^([\s\S]*?) \([^()]*\)$/;
const PERCENT_HOLDER_WIDTH = 1180; // inferno's <svg id="frames" width> when none is readable

/**
 * @typedef {{ name: string, count: string | null, unit: string | null, percent: string | null }}
 *   FrameTitle
 */

/**
 * @typedef {object} FrameIndex
 * @property {number} n Number of frames.
 * @property {Element[]} els The frames' <g> elements.
 * @property {Element[]} rects Their <rect>s.
 * @property {(Element | null)[]} texts Their <text> labels, when they have one.
 * @property {Element[]} titles Their <title>s.
 * @property {Float64Array} xs Layout x (in `unit`).
 * @property {Float64Array} ws Layout width (in `unit`).
 * @property {Float64Array} ys Layout y.
 * @property {Float64Array | null} sx Sample offsets (fg:x), when every frame has them.
 * @property {Float64Array | null} sw Sample counts (fg:w), when every frame has them.
 * @property {number} totalSamples Samples of the whole graph (0 without fg:x/fg:w).
 * @property {number} root Index of the widest frame.
 * @property {number} x0 The root's x.
 * @property {number} width The root's width.
 * @property {"%" | ""} unit "%" for percent layouts (inferno, py-spy), "" for pixels.
 * @property {number} pxPerUnit CSS pixels per layout unit, for fitting labels.
 * @property {number} textDx Offset of a label from its rect's x.
 * @property {Element} holder Parent of the first frame.
 * @property {boolean} grouped Every frame is a child of `holder`, which holds nothing else.
 * @property {boolean | null} rootBelow The root is drawn at the bottom (computed on first zoom).
 * @property {string[] | null} names Function names, parsed on first use.
 * @property {Map<Element, number>} indexOf Frame number of each <g>.
 * @property {Uint8Array} state Per-frame zoom bits (see framezoom.js).
 * @property {FrameOriginals | null} orig Original attributes, captured on first zoom.
 * @property {(string | null)[] | null} label Label currently drawn, once zoomed.
 * @property {Uint8Array} matched 1 where the frame carries the search highlight.
 */

/**
 * @typedef {{ rx: (string | null)[], rw: (string | null)[], txs: (string | null)[],
 *   labels: (string | null)[] }} FrameOriginals
 */

/**
 * Parse a flamegraph frame title such as "func (1,234 samples, 12.34%)".
 *
 * @param {string} title The <title> text.
 * @returns {FrameTitle}
 */
export function parseFrameTitle(title) {
  const text = (title || "").trim();
  const m = TITLE_RE.exec(text);
  if (m) return { name: m[1], count: m[2], unit: m[3], percent: m[4] };
  const s = TITLE_SUFFIX_RE.exec(text);
  return { name: s ? s[1] : text, count: null, unit: null, percent: null };
}

/**
 * @param {Element} g
 * @param {string} name
 * @returns {Element | null}
 */
function firstChildNamed(g, name) {
  for (let c = g.firstElementChild; c; c = c.nextElementSibling) {
    if (c.localName === name) return c;
  }
  return null;
}

/**
 * @param {Element} rect
 * @param {Element} g
 * @param {string} name
 * @returns {string}
 */
function attrOf(rect, g, name) {
  const v = rect.getAttribute(name);
  return (v === null ? g.getAttribute(name) : v) ?? "";
}

/**
 * @param {Element | null | undefined} node
 * @param {string} name
 * @returns {string}
 */
function attr(node, name) {
  return node?.getAttribute(name) || "";
}

/**
 * @param {Element} el
 * @returns {Element | null}
 */
function ownerSvg(el) {
  return /** @type {SVGElement} */ (el).ownerSVGElement ?? null;
}

/**
 * Index the frames of a sanitized flamegraph: every <g> with a <title> and a <rect> whose x and
 * width are numbers.
 *
 * @param {Element} svg The flamegraph's root.
 * @returns {FrameIndex | null} Null when the SVG has no frames.
 */
export function indexFrames(svg) {
  const groups = svg.getElementsByTagName("g");
  /** @type {Element[]} */ const els = [];
  /** @type {Element[]} */ const rects = [];
  /** @type {(Element | null)[]} */ const texts = [];
  /** @type {Element[]} */ const titles = [];
  /** @type {number[]} */ const xs = [];
  /** @type {number[]} */ const ws = [];
  /** @type {number[]} */ const ys = [];
  /** @type {number[]} */ const sx = [];
  /** @type {number[]} */ const sw = [];
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
  // Frames sharing one parent that holds nothing else can be hidden by one class on the stage.
  const holder = /** @type {Element} */ (els[0].parentNode);
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
  // Pixels per layout unit, for fitting labels: percent layouts (inferno, py-spy) sit in an
  // <svg id="frames" width="1180">, absolute ones (flamegraph.pl) are already in pixels.
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
    matched: new Uint8Array(n),
  };
}

/**
 * The function names of the frames, parsed from their titles on first use.
 *
 * @param {FrameIndex} fi
 * @returns {string[]}
 */
export function frameNames(fi) {
  if (!fi.names) {
    const names = new Array(fi.n);
    for (let i = 0; i < fi.n; i++) names[i] = parseFrameTitle(fi.titles[i].textContent || "").name;
    fi.names = names;
  }
  return fi.names;
}

/**
 * Whether the root frame is drawn at the bottom (flamegraph) rather than the top (icicle).
 *
 * @param {FrameIndex | null} fi
 * @param {number} naturalHeight The SVG's height in its own units.
 * @returns {boolean}
 */
export function rootIsBelow(fi, naturalHeight) {
  if (!fi) return true;
  if (fi.rootBelow === null) fi.rootBelow = fi.ys[fi.root] >= naturalHeight / 2 || fi.n === 1;
  return fi.rootBelow;
}

/**
 * The <g> frame an event target is in, as a frame number, or -1.
 *
 * @param {FrameIndex | null} fi
 * @param {Node | null} target
 * @param {Node} stop Ancestor where the walk ends.
 * @returns {number}
 */
export function frameOfNode(fi, target, stop) {
  if (!fi) return -1;
  let node = target;
  while (node && node !== stop) {
    if (/** @type {Element} */ (node).localName === "g") {
      const i = fi.indexOf.get(/** @type {Element} */ (node));
      if (i !== undefined) return i;
    }
    node = node.parentNode;
  }
  return -1;
}
