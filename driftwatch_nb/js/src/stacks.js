// Flamegraphs drawn from data: folded stacks ("a;b;c 12" per line) parsed into a frame tree
// laid out as flamegraph.pl does (width = samples, children sorted by name, "all" at the
// root), plus everything computed on it: colours, search shares, the functions table and the
// differential (base/head) values. No DOM: tested in Node.
//
// Parsing and layout are generators that yield now and then, so the browser can run them in
// slices (`buildTreeAsync`) without blocking the page on a 50k-frame profile; `buildTree`
// runs the same steps at once.

import { ViewerError } from "./format.js";

/** Lines parsed, or frames laid out, between two checks of the time budget. */
const CHECK_EVERY = 256;

/**
 * @typedef {object} FrameTree
 * @property {number} n Number of frames; frame 0 is the root "all".
 * @property {string[]} names Distinct frame names; `nameOf[i]` indexes it.
 * @property {Int32Array} nameOf
 * @property {Int32Array} parent Parent frame (-1 for the root).
 * @property {Uint16Array} depth 0 for the root.
 * @property {Int32Array} end One past the last frame of i's subtree (pre-order: i..end-1).
 * @property {Float64Array} start Offset in samples of the drawn side.
 * @property {Float64Array} total Inclusive samples of the drawn side (the width).
 * @property {Float64Array} self Samples of stacks ending at this frame, drawn side.
 * @property {Float64Array | null} otherTotal Inclusive samples of the other side (diff only).
 * @property {Float64Array | null} otherSelf Self samples of the other side (diff only).
 * @property {number} totalSamples The root's total (drawn side).
 * @property {number} otherSamples The other side's total (0 when not a diff).
 * @property {number} maxDepth
 * @property {Int32Array[]} byDepth Frames of each depth, in order of `start`.
 */

/**
 * @typedef {object} TreeOptions
 * @property {string} [base] Folded text of the base profile: makes a differential tree.
 * @property {"head" | "base"} [shape] Which side sizes the frames of a diff (default head).
 * @property {string} [fileName] Named in errors.
 */

// -- parsing -----------------------------------------------------------------------------------

/**
 * A trie being filled: node 0 is the root; per node its name id, its children (name id ->
 * node) and, per side, self and total counts.
 */
class Trie {
  constructor() {
    /** @type {string[]} */
    this.names = ["all"];
    /** @type {Map<string, number>} */
    this.nameIds = new Map([["all", 0]]);
    /** @type {number[]} */
    this.nameOf = [0];
    /** @type {Map<number, number>[]} */
    this.children = [new Map()];
    /** @type {number[][]} self counts per side */
    this.selfs = [[0], [0]];
    /** @type {number[][]} total counts per side */
    this.totals = [[0], [0]];
  }

  /** @param {string} name */
  nameId(name) {
    let id = this.nameIds.get(name);
    if (id === undefined) {
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
      if (child === undefined) {
        child = this.nameOf.length;
        this.nameOf.push(id);
        this.children.push(new Map());
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
}

/**
 * Parse one line of folded text: `[stack, count]`, null for a line to skip (blank, or a bare
 * count as py-spy writes for samples without frames).
 *
 * @param {string} line
 * @param {number} number 1-based, for the error.
 * @param {string} fileName
 * @returns {[string, number] | null}
 */
export function parseFoldedLine(line, number, fileName = "the profile") {
  const text = line.trim();
  if (!text || /^\d+$/.test(text)) return null;
  const cut = text.lastIndexOf(" ");
  const stack = cut > 0 ? text.slice(0, cut) : "";
  const count = cut > 0 ? text.slice(cut + 1) : "";
  if (!stack || !/^\d+$/.test(count)) {
    throw new ViewerError(
      `${fileName}: line ${number} is not 'frame;frame;frame COUNT': ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return [stack, Number(count)];
}

/**
 * @param {Trie} trie
 * @param {string} text
 * @param {number} side
 * @param {string} fileName
 * @returns {Generator<void, void, void>}
 */
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

// -- layout ------------------------------------------------------------------------------------

/**
 * Lay the trie out in pre-order with children sorted by name (flamegraph.pl sorts the folded
 * lines, so siblings come in name order), keeping only frames the drawn side has.
 *
 * @param {Trie} trie
 * @param {number} drawn Side that sizes the frames.
 * @param {boolean} diff
 * @returns {Generator<void, FrameTree, void>}
 */
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
  /** @param {number} a @param {number} b */
  const byName = (a, b) => {
    const x = names[trie.nameOf[a]];
    const y = names[trie.nameOf[b]];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  // Explicit stack of [trie node, parent frame, depth, start]; children pushed in reverse.
  /** @type {number[]} */
  const todo = [0, -1, 0, 0];
  /** @type {number[]} frame indices whose `end` is still open, by depth */
  const open = [];
  let n = 0;
  let maxDepth = 0;
  while (todo.length) {
    const at = todo.pop();
    const d = /** @type {number} */ (todo.pop());
    const par = /** @type {number} */ (todo.pop());
    const node = /** @type {number} */ (todo.pop());
    while (open.length > d) end[/** @type {number} */ (open.pop())] = n;
    const i = n++;
    open.push(i);
    nameOf[i] = trie.nameOf[node];
    parent[i] = par;
    depth[i] = d;
    start[i] = /** @type {number} */ (at);
    total[i] = dTotal[node];
    self[i] = trie.selfs[drawn][node];
    if (otherTotal && otherSelf) {
      otherTotal[i] = trie.totals[other][node];
      otherSelf[i] = trie.selfs[other][node];
    }
    if (d > maxDepth) maxDepth = d;
    const kids = Array.from(trie.children[node].values()).filter((c) => dTotal[c] > 0);
    kids.sort(byName);
    let offset = /** @type {number} */ (at);
    const pending = [];
    for (const c of kids) {
      pending.push([c, i, d + 1, offset]);
      offset += dTotal[c];
    }
    for (let k = pending.length - 1; k >= 0; k--) todo.push(...pending[k]);
    if (n % CHECK_EVERY === 0) yield;
  }
  while (open.length) end[/** @type {number} */ (open.pop())] = n;
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
    byDepth,
  };
}

/**
 * @param {string} folded
 * @param {TreeOptions} options
 * @returns {Generator<void, FrameTree, void>}
 */
function* treeSteps(folded, options) {
  const fileName = options.fileName || "the profile";
  const diff = typeof options.base === "string";
  const trie = new Trie();
  yield* fillTrie(trie, folded, 0, diff ? `${fileName} (head)` : fileName);
  if (diff) yield* fillTrie(trie, /** @type {string} */ (options.base), 1, `${fileName} (base)`);
  const drawn = diff && options.shape === "base" ? 1 : 0;
  if (!(trie.totals[drawn][0] > 0)) {
    throw new ViewerError(`${fileName}: no samples to draw (the stacks are empty or all counts are 0)`);
  }
  return yield* layoutTrie(trie, drawn, diff);
}

/**
 * The frame tree of folded stacks, built at once (tests, small profiles).
 *
 * @param {string} folded Folded text (the head, for a diff).
 * @param {TreeOptions} [options]
 * @returns {FrameTree}
 * @throws {ViewerError} On a line that is not `stack COUNT`, or no samples.
 */
export function buildTree(folded, options = {}) {
  const steps = treeSteps(folded, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The frame tree built in slices of at most `budgetMs` of work, yielding to the event loop in
 * between, so a large profile never blocks the page for long.
 *
 * @param {string} folded
 * @param {TreeOptions & { budgetMs?: number, isCurrent?: () => boolean }} [options]
 * @returns {Promise<FrameTree | null>} Null when `isCurrent()` turned false meanwhile.
 */
export async function buildTreeAsync(folded, options = {}) {
  const budget = options.budgetMs ?? 20;
  const steps = treeSteps(folded, options);
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= budget) {
      await yieldToBrowser();
      if (options.isCurrent && !options.isCurrent()) return null;
      sliceStart = performance.now();
    }
  }
}

/** Resolve after the browser had a chance to paint and handle input. */
export function yieldToBrowser() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// -- lookups -----------------------------------------------------------------------------------

/**
 * The frame at `depth` covering sample offset `x`, or -1.
 *
 * @param {FrameTree} tree
 * @param {number} depth
 * @param {number} x
 * @returns {number}
 */
export function frameAt(tree, depth, x) {
  if (depth < 0 || depth > tree.maxDepth) return -1;
  const row = tree.byDepth[depth];
  const k = firstEndingAfter(tree, row, x);
  if (k < row.length) {
    const i = row[k];
    if (tree.start[i] <= x && x < tree.start[i] + tree.total[i]) return i;
  }
  return -1;
}

/**
 * Index in `row` of the first frame whose end is after `x` (binary search; frames of a row do
 * not overlap and come in order of start).
 *
 * @param {FrameTree} tree
 * @param {Int32Array} row
 * @param {number} x
 * @returns {number}
 */
export function firstEndingAfter(tree, row, x) {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const i = row[mid];
    if (tree.start[i] + tree.total[i] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The frame's ancestors from the root down (the frame itself excluded).
 *
 * @param {FrameTree} tree
 * @param {number} i
 * @returns {number[]}
 */
export function ancestorsOf(tree, i) {
  const out = [];
  for (let p = tree.parent[i]; p >= 0; p = tree.parent[p]) out.push(p);
  return out.reverse();
}

// -- colours -----------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * CRC-32 of a string's UTF-8 bytes (zlib.crc32 in Python), as an unsigned number.
 *
 * @param {string} text
 * @returns {number}
 */
export function crc32(text) {
  let c = -1;
  // ASCII (nearly every frame name) needs no encoder: one allocation per name cost more than
  // the checksum itself on a profile with thousands of names.
  let ascii = true;
  for (let k = 0; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code > 0x7f) {
      ascii = false;
      break;
    }
    c = CRC_TABLE[(c ^ code) & 0xff] ^ (c >>> 8);
  }
  if (!ascii) {
    c = -1;
    for (const byte of new TextEncoder().encode(text)) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  }
  return (c ^ -1) >>> 0;
}

/**
 * flamegraph.pl's "hot" palette seeded by the name, exactly as the Python renderer
 * (`driftwatch_nb.core.flamegraph._colour`) does, so a function keeps its colour everywhere.
 *
 * @param {string} name
 * @returns {string} "rgb(r,g,b)"
 */
export function hotColour(name) {
  const seed = crc32(name);
  const v1 = (seed & 0xff) / 255;
  const v2 = ((seed >>> 8) & 0xff) / 255;
  const v3 = ((seed >>> 16) & 0xff) / 255;
  return `rgb(${205 + Math.trunc(50 * v3)},${Math.trunc(230 * v1)},${Math.trunc(55 * v2)})`;
}

// -- differential ------------------------------------------------------------------------------

/**
 * Per frame of a differential tree, the change of its self share (head minus base, each a
 * fraction of its own side's samples): what difffolded.pl -n + flamegraph.pl colour by.
 *
 * @param {FrameTree} tree A tree built with `base`.
 * @param {"head" | "base"} shape Which side `tree` draws.
 * @returns {{ delta: Float64Array, maxAbs: number }}
 */
export function selfDeltas(tree, shape) {
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

/**
 * Differential colour: the fading channels of a frame at no change; the largest change gets 0
 * (saturated). Python's `driftwatch_nb.core.profiles.DIFF_FADE`.
 */
export const DIFF_FADE = 210;

/** Differential colour of an unchanged frame (and of the root): `profiles.DIFF_NEUTRAL`. */
export const DIFF_NEUTRAL = "rgb(250,250,250)";

/**
 * flamegraph.pl's differential colour, the one rule of JS and Python
 * (`driftwatch_nb.core.profiles.diff_colour` gives the same string for the same numbers; both
 * test suites check `test/diff_colours.json`): red where the frame's self share grew, blue
 * where it shrank, saturated in proportion to the largest change; near-white when unchanged.
 *
 * @param {number} delta Change of the frame's self share, head minus base.
 * @param {number} maxAbs The largest |delta| of the drawn frames.
 * @returns {string}
 */
export function diffColour(delta, maxAbs) {
  if (!delta || !(maxAbs > 0)) return DIFF_NEUTRAL;
  const fade = Math.trunc(DIFF_FADE * (1 - Math.min(1, Math.abs(delta) / maxAbs)));
  return delta > 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

// -- search ------------------------------------------------------------------------------------

/**
 * Frames whose name matches `re` (`hits[i]` is 1), and the matched share as flamegraph.pl
 * computes it: the top-most matches (a match inside a matching frame counts once), over the
 * whole graph and over the subtree of `focus`.
 *
 * @param {FrameTree} tree
 * @param {(name: string) => boolean} matches
 * @param {number} [focus] Zoomed frame (default the root).
 * @returns {{ hits: Uint8Array, count: number, percentAll: number, percentFocus: number }}
 */
export function searchTree(tree, matches, focus = 0) {
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
    else if (i < fStart && tree.end[i] > fStart) coveredFocus += tree.total[focus]; // an ancestor
  }
  const all = tree.totalSamples;
  return {
    hits,
    count,
    percentAll: all > 0 ? (100 * covered) / all : 0,
    percentFocus: tree.total[focus] > 0 ? Math.min(100, (100 * coveredFocus) / tree.total[focus]) : 0,
  };
}

// -- functions table ---------------------------------------------------------------------------

/**
 * @typedef {object} FunctionRow
 * @property {string} name
 * @property {number} self Samples whose stack ends in this function (drawn side).
 * @property {number} total Samples whose stack contains it, recursion counted once.
 * @property {number} otherSelf The other side's self (diff), else 0.
 * @property {number} deltaSelf Change of the self share, head minus base (diff), else 0.
 */

/**
 * Self and total per function name (speedscope's sandwich table).
 *
 * @param {FrameTree} tree
 * @returns {FunctionRow[]} In no particular order (see `sortFunctions`).
 */
export function functionsOf(tree) {
  const k = tree.names.length;
  const self = new Float64Array(k);
  const total = new Float64Array(k);
  const otherSelf = new Float64Array(k);
  const onStack = new Int32Array(k);
  /** @type {number[]} name ids of the current stack, by depth */
  const stack = [];
  const seen = new Uint8Array(k);
  for (let i = 1; i < tree.n; i++) {
    const d = tree.depth[i];
    while (stack.length >= d) onStack[/** @type {number} */ (stack.pop())]--;
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
  /** @type {FunctionRow[]} */
  const rows = [];
  for (let id = 1; id < k; id++) {
    if (!seen[id] && !(otherSelf[id] > 0)) continue;
    rows.push({
      name: tree.names[id],
      self: self[id],
      total: total[id],
      otherSelf: otherSelf[id],
      deltaSelf: tree.otherSelf ? self[id] / drawnSum - otherSelf[id] / otherSum : 0,
    });
  }
  return rows;
}

/** @typedef {"name" | "self" | "total" | "otherSelf" | "deltaSelf"} FunctionColumn */

/**
 * The rows sorted by a column: numbers largest first (`descending`), names A to Z, ties by
 * name. `deltaSelf` sorts by the size of the change.
 *
 * @param {FunctionRow[]} rows
 * @param {FunctionColumn} column
 * @param {boolean} [descending] Default: true for numbers, false for the name.
 * @returns {FunctionRow[]} A new array.
 */
export function sortFunctions(rows, column, descending = column !== "name") {
  const sign = descending ? -1 : 1;
  /** @param {FunctionRow} r */
  const key = (r) => (column === "deltaSelf" ? Math.abs(r.deltaSelf) : r[column]);
  return rows.slice().sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

// -- text --------------------------------------------------------------------------------------

/**
 * "1,234" for a count (fractions rounded).
 *
 * @param {number} n
 * @returns {string}
 */
export function formatCount(n) {
  // Not toLocaleString: its first call loads ICU data, tens of milliseconds on the first hover.
  const digits = String(Math.abs(Math.round(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < -0.5 ? `-${grouped}` : grouped;
}

/**
 * The details line of a frame: full name, samples and share, self; for a diff both sides and
 * the change of the self share.
 *
 * @param {FrameTree} tree
 * @param {number} i
 * @param {{ delta: Float64Array } | null} diff
 * @param {"head" | "base"} [shape]
 * @returns {string}
 */
export function describeFrame(tree, i, diff, shape = "head") {
  const name = tree.names[tree.nameOf[i]];
  const pct = (/** @type {number} */ v, /** @type {number} */ of) => `${((100 * v) / (of || 1)).toFixed(2)}%`;
  if (!diff || !tree.otherTotal) {
    return (
      `${name} — ${formatCount(tree.total[i])} samples (${pct(tree.total[i], tree.totalSamples)})` +
      `, self ${formatCount(tree.self[i])} (${pct(tree.self[i], tree.totalSamples)})`
    );
  }
  const head = shape === "base" ? tree.otherTotal[i] : tree.total[i];
  const base = shape === "base" ? tree.total[i] : tree.otherTotal[i];
  const headSum = shape === "base" ? tree.otherSamples : tree.totalSamples;
  const baseSum = shape === "base" ? tree.totalSamples : tree.otherSamples;
  const d = 100 * diff.delta[i];
  return (
    `${name} — base ${formatCount(base)} (${pct(base, baseSum)}) → head ${formatCount(head)} ` +
    `(${pct(head, headSum)}); self Δ ${d >= 0 ? "+" : ""}${d.toFixed(2)} pp`
  );
}
