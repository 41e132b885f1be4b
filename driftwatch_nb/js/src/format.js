// Text shown to the person: error messages, file names, labels, percentages.

export const DEFAULT_FILE_NAME = "flamegraph.svg";
const CHAR_WIDTH_EM = 0.59; // flamegraph.pl's --fontwidth: average glyph width per font size

/** An error whose message is meant for the person looking at the viewer. */
export class ViewerError extends Error {}

/**
 * The message of anything thrown.
 *
 * @param {unknown} err
 * @returns {string}
 */
export function errorText(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * The last path segment of `url`, decoded, for downloads and the toolbar.
 *
 * @param {string} url
 * @param {string} [baseHref] Base for relative URLs (default: the page's location).
 * @returns {string}
 */
export function fileNameFromUrl(url, baseHref = globalThis.location?.href) {
  try {
    const path = new URL(url, baseHref).pathname;
    const base = decodeURIComponent(path.split("/").pop() || "");
    return base || DEFAULT_FILE_NAME;
  } catch {
    return DEFAULT_FILE_NAME;
  }
}

/**
 * A frame label cut to fit `px` pixels, flamegraph.pl style ("name.." or "" when < 3 chars).
 *
 * @param {string} name
 * @param {number} px Width available in CSS pixels.
 * @param {number} fontPx Font size in CSS pixels.
 * @returns {string}
 */
export function fitLabel(name, px, fontPx) {
  const chars = Math.floor((px - 3) / (fontPx * CHAR_WIDTH_EM));
  if (chars < 3) return "";
  return name.length <= chars ? name : `${name.slice(0, chars - 2)}..`;
}

/**
 * A number rounded to 4 decimals, as the data-zoom attributes carry it.
 *
 * @param {number} value
 * @returns {string}
 */
export function round4(value) {
  return String(Math.round(value * 10000) / 10000);
}

/**
 * The toolbar's zoom label: "125%".
 *
 * @param {number} zoom
 * @returns {string}
 */
export function zoomLabel(zoom) {
  return `${Math.round(zoom * 100)}%`;
}

/**
 * A matched percentage as the search shows it: "12.34%".
 *
 * @param {number} percent
 * @returns {string}
 */
export function formatPercent(percent) {
  return `${percent.toFixed(2)}%`;
}

/**
 * The status bar text for a hovered frame.
 *
 * @param {{ name: string, count: string | null, unit: string | null, percent: string | null }} t
 *   A parsed frame title.
 * @returns {string}
 */
export function frameDetails(t) {
  return t.count !== null ? `${t.name} — ${t.count} ${t.unit} (${t.percent}%)` : t.name;
}

/**
 * "HTTP 403 (error: message)" from a status and the start of the response body (JSON errors
 * such as Supabase's, or text).
 *
 * @param {number} status
 * @param {string | null} body The body, or null when it could not be read.
 * @returns {string}
 */
export function describeHttpStatus(status, body) {
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
