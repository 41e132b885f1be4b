// Getting the SVG: fetch it through its signed URL (credentials omitted); on HTTP 400/401/403
// (an expired signed URL; Supabase answers JSON errors with 400) ask once for a fresh URL; when
// the network fails or the storage still refuses, get the text by another route (the notebook
// kernel's copy). Also the kernel side of that: requests to the kernel that wait for an answer.
// Everything is injected (fetch, refreshUrl, fallbackBytes, the widget model), so it is tested
// with fakes.

import { ViewerError, describeHttpStatus, errorText } from "./format.js";

export const REFRESHABLE_STATUSES = new Set([400, 401, 403]);
export const KERNEL_TIMEOUT_MS = 20000;

/** @typedef {{ text: string, original: Uint8Array }} SvgSource */

/**
 * @typedef {object} AcquireOptions
 * @property {string} fileName Named in the error message.
 * @property {(url: string, init: RequestInit) => Promise<Response>} [fetch] Default: global fetch.
 * @property {() => Promise<string>} [refreshUrl] Returns a fresh signed URL.
 * @property {() => Promise<string>} [fallbackBytes] Returns the SVG text by another route.
 * @property {() => boolean} [isCurrent] False once a newer load has started: stop quietly.
 */

/**
 * "HTTP 403 (message)" for a failed response, reading (the start of) its body.
 *
 * @param {Response} res
 * @returns {Promise<string>}
 */
export async function describeHttpError(res) {
  let body = null;
  try {
    body = await res.text();
  } catch {
    // body unreadable: the status alone will do
  }
  return describeHttpStatus(res.status, body);
}

/**
 * The file's text; a UTF-16 file (a BOM, or NUL bytes between ASCII characters) is refused
 * with a message saying how to fix it, instead of a parse error about garbled text.
 *
 * @param {Uint8Array} buf
 * @param {string} fileName
 * @returns {string}
 * @throws {ViewerError}
 */
export function decodeUtf8(buf, fileName) {
  const bom16 = (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff);
  const nulPairs = buf.length >= 4 && (buf[1] === 0 || buf[0] === 0) && (buf[3] === 0 || buf[2] === 0);
  if (bom16 || nulPairs) {
    throw new ViewerError(
      `Could not show ${fileName}: the file is UTF-16 encoded; the viewer reads UTF-8, so re-save it as UTF-8 (or open it with FlamegraphViewer.from_file, which converts it).`,
    );
  }
  return new TextDecoder("utf-8").decode(buf);
}

/**
 * Get the SVG from `url`, refreshing the URL once and falling back as described above.
 *
 * @param {string} url
 * @param {AcquireOptions} options
 * @returns {Promise<SvgSource | null>} Null when a newer load made this one pointless.
 * @throws {ViewerError} Saying every route that was tried and how it failed.
 */
export async function acquireSvg(url, options) {
  const doFetch = options.fetch ?? ((u, init) => fetch(u, init));
  const isCurrent = options.isCurrent ?? (() => true);
  const problems = [];
  let current = url;
  let refreshed = false;
  for (;;) {
    let res;
    try {
      res = await doFetch(current, { credentials: "omit" });
    } catch (err) {
      // Browsers report a CORS refusal as a bare network error ("Failed to fetch"): name the
      // likely cause, since the storage's CORS settings are the usual culprit.
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

/**
 * @typedef {object} KernelModel The part of an anywidget model the kernel channel uses.
 * @property {(msg: object) => void} send
 */

/**
 * @typedef {object} KernelChannel
 * @property {(type: string) => Promise<string>} ask Send `{type}` and wait for the answer.
 * @property {(type: string) => boolean} waiting Whether a `type` request is open.
 * @property {(type: string, value: string) => void} answer Settle the open `type` request.
 * @property {(type: string, reason: Error) => void} fail Reject the open `type` request.
 * @property {(reason: Error) => void} closeAll Reject every open request.
 */

/**
 * Requests to the kernel (`refresh_url`, `request_bytes`): one open request per type (a newer
 * one supersedes it), each rejected after `timeoutMs` without an answer.
 *
 * @param {KernelModel} model
 * @param {object} [options]
 * @param {number} [options.timeoutMs]
 * @param {(fn: () => void, ms: number) => unknown} [options.setTimer] Default: setTimeout.
 * @param {(timer: any) => void} [options.clearTimer] Default: clearTimeout.
 * @returns {KernelChannel}
 */
export function createKernelChannel(model, options = {}) {
  const timeoutMs = options.timeoutMs ?? KERNEL_TIMEOUT_MS;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
  /** @type {Map<string, { resolve: (v: string) => void, reject: (e: Error) => void }>} */
  const pending = new Map();

  return {
    ask(type) {
      pending.get(type)?.reject(new Error("superseded by a newer request"));
      return new Promise((resolve, reject) => {
        const timer = setTimer(() => {
          pending.delete(type);
          reject(new Error(`the kernel did not answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        /**
         * @template T
         * @param {(value: T) => void} fn
         * @returns {(value: T) => void}
         */
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
    },
  };
}
