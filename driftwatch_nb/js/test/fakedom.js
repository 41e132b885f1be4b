// A tiny stand-in for the few DOM element members frames.js reads, so the frame index is
// tested in Node: localName, getAttribute, parentNode, first/nextElementSibling,
// getElementsByTagName, ownerSVGElement, textContent; and for framezoom.js setAttribute,
// removeAttribute and classList.

class FakeClassList {
  constructor() {
    this.names = new Set();
  }

  add(name) {
    this.names.add(name);
  }

  remove(...names) {
    for (const name of names) this.names.delete(name);
  }

  toggle(name, force = !this.names.has(name)) {
    if (force) this.names.add(name);
    else this.names.delete(name);
    return force;
  }

  contains(name) {
    return this.names.has(name);
  }
}

export class FakeElement {
  /**
   * @param {string} localName
   * @param {Record<string, string>} [attrs]
   * @param {(FakeElement | string)[]} [children] Elements, or one string for textContent.
   */
  constructor(localName, attrs = {}, children = []) {
    this.localName = localName;
    this.attrs = new Map(Object.entries(attrs));
    /** @type {FakeElement | null} */
    this.parentNode = null;
    /** @type {FakeElement[]} */
    this.children = [];
    this.textContent = "";
    this.classList = new FakeClassList();
    for (const c of children) {
      if (typeof c === "string") this.textContent = c;
      else {
        c.parentNode = this;
        this.children.push(c);
      }
    }
  }

  getAttribute(name) {
    return this.attrs.has(name) ? this.attrs.get(name) : null;
  }

  setAttribute(name, value) {
    this.attrs.set(name, String(value));
  }

  removeAttribute(name) {
    this.attrs.delete(name);
  }

  get firstElementChild() {
    return this.children[0] ?? null;
  }

  get nextElementSibling() {
    const siblings = this.parentNode?.children ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get ownerSVGElement() {
    for (let p = this.parentNode; p; p = p.parentNode) if (p.localName === "svg") return p;
    return null;
  }

  getElementsByTagName(name) {
    const out = [];
    const walk = (node) => {
      for (const c of node.children) {
        if (c.localName === name) out.push(c);
        walk(c);
      }
    };
    walk(this);
    return out;
  }
}

/** Shorthand: h("g", {x: "1"}, child, ...). */
export const h = (name, attrs = {}, ...children) => new FakeElement(name, attrs, children);

/**
 * A frame <g> the way inferno / py-spy write it (percent layout, fg:x / fg:w on the <g>).
 *
 * @param {string} title
 * @param {{ x: number, w: number, y: number, fx?: number, fw?: number, label?: string }} f
 */
export function infernoFrame(title, { x, w, y, fx, fw, label }) {
  const gAttrs = fx === undefined ? {} : { "fg:x": String(fx), "fg:w": String(fw) };
  return h(
    "g",
    gAttrs,
    h("title", {}, title),
    h("rect", { x: `${x}%`, y: String(y), width: `${w}%`, height: "15" }),
    h("text", { x: `${x + 0.3}%`, y: String(y + 10) }, label ?? ""),
  );
}
