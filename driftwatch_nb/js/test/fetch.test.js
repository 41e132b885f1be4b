import assert from "node:assert/strict";
import { test } from "node:test";

import { ViewerError } from "../src/format.js";
import { acquireSvg, createKernelChannel, describeHttpError } from "../src/fetch.js";

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';

/** A fake fetch answering from a table url -> Response (or Error to throw), logging calls. */
function fakeFetch(table) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    const answer = table[url];
    if (answer instanceof Error) throw answer;
    if (!answer) throw new TypeError("Failed to fetch");
    return answer();
  };
  return Object.assign(fn, { calls });
}
const ok = (text) => () => new Response(text, { status: 200 });
const status = (code, body = "") => () => new Response(body, { status: code });

test("acquireSvg: a working URL is fetched once, without credentials", async () => {
  const fetch = fakeFetch({ "https://s/a.svg": ok(SVG) });
  const got = await acquireSvg("https://s/a.svg", { fileName: "a.svg", fetch });
  assert.ok(got);
  assert.equal(got.text, SVG);
  assert.deepEqual(Array.from(got.original), Array.from(new TextEncoder().encode(SVG)));
  assert.deepEqual(fetch.calls, [{ url: "https://s/a.svg", init: { credentials: "omit" } }]);
});

test("acquireSvg: an expired URL (400/401/403) is refreshed once", async () => {
  for (const code of [400, 401, 403]) {
    const fetch = fakeFetch({ "https://s/old": status(code, '{"error":"InvalidJWT"}'), "https://s/new": ok(SVG) });
    let refreshes = 0;
    const refreshUrl = async () => {
      refreshes++;
      return "https://s/new";
    };
    const got = await acquireSvg("https://s/old", { fileName: "a.svg", fetch, refreshUrl });
    assert.equal(got?.text, SVG);
    assert.equal(refreshes, 1);
    assert.deepEqual(fetch.calls.map((c) => c.url), ["https://s/old", "https://s/new"]);
  }
});

test("acquireSvg: still refused after a refresh, the kernel's bytes are used", async () => {
  const fetch = fakeFetch({ "https://s/old": status(403), "https://s/new": status(403) });
  const got = await acquireSvg("https://s/old", {
    fileName: "a.svg",
    fetch,
    refreshUrl: async () => "https://s/new",
    fallbackBytes: async () => SVG,
  });
  assert.equal(got?.text, SVG);
  assert.deepEqual(fetch.calls.map((c) => c.url), ["https://s/old", "https://s/new"]); // one refresh only
});

test("acquireSvg: other statuses and network failures are not refreshed", async () => {
  let refreshes = 0;
  const refreshUrl = async () => {
    refreshes++;
    return "https://s/x";
  };
  const fallbackBytes = async () => SVG;
  const notFound = await acquireSvg("https://s/404", { fileName: "a.svg", fetch: fakeFetch({ "https://s/404": status(404) }), refreshUrl, fallbackBytes });
  assert.equal(notFound?.text, SVG);
  const offline = await acquireSvg("https://s/down", { fileName: "a.svg", fetch: fakeFetch({}), refreshUrl, fallbackBytes });
  assert.equal(offline?.text, SVG);
  assert.equal(refreshes, 0);
});

test("acquireSvg: when everything fails the error names every route tried", async () => {
  const fetch = fakeFetch({ "https://s/old": status(400, '{"error":"InvalidJWT","message":"exp"}') });
  await assert.rejects(
    acquireSvg("https://s/old", {
      fileName: "cpu.svg",
      fetch,
      refreshUrl: async () => "",
      fallbackBytes: async () => {
        throw new Error("the kernel did not answer within 20 s");
      },
    }),
    (err) => {
      assert.ok(err instanceof ViewerError);
      assert.equal(
        err.message,
        "Could not load cpu.svg: the storage answered HTTP 400 (InvalidJWT: exp); " +
          "refreshing the signed URL failed (no URL was returned); " +
          "asking the kernel for the file failed (the kernel did not answer within 20 s).",
      );
      return true;
    },
  );
  await assert.rejects(
    acquireSvg("https://s/down", { fileName: "a.svg", fetch: fakeFetch({}), fallbackBytes: async () => "" }),
    /the browser could not fetch the flamegraph \(CORS\?\) \(Failed to fetch\); the kernel has no copy of the file\.$/,
  );
  await assert.rejects(acquireSvg("https://s/down", { fileName: "a.svg", fetch: fakeFetch({}) }), ViewerError);
});

test("acquireSvg: a load superseded meanwhile stops quietly", async () => {
  let current = true;
  const fetch = fakeFetch({ "https://s/old": status(403) });
  const got = await acquireSvg("https://s/old", {
    fileName: "a.svg",
    fetch,
    isCurrent: () => current,
    refreshUrl: async () => {
      current = false; // a newer load started while the kernel was asked
      return "https://s/new";
    },
  });
  assert.equal(got, null);
  assert.equal(fetch.calls.length, 1);
});

test("describeHttpError reads the body, or gives the status alone", async () => {
  assert.equal(await describeHttpError(new Response("denied", { status: 403 })), "HTTP 403 (denied)");
  const unreadable = /** @type {Response} */ ({ status: 500, text: async () => Promise.reject(new Error("x")) });
  assert.equal(await describeHttpError(unreadable), "HTTP 500");
});

/** Fake timers: run() fires every pending timer. */
function fakeTimers() {
  const timers = new Map();
  let next = 1;
  return {
    setTimer: (fn, ms) => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
    pending: () => Array.from(timers.values()).map((t) => t.ms),
    run: () => {
      for (const [id, t] of Array.from(timers)) {
        timers.delete(id);
        t.fn();
      }
    },
  };
}

test("kernel channel: a request is sent and settled by the answer", async () => {
  const sent = [];
  const timers = fakeTimers();
  const kernel = createKernelChannel({ send: (m) => sent.push(m) }, { timeoutMs: 1000, ...timers });
  const answer = kernel.ask("refresh_url");
  assert.deepEqual(sent, [{ type: "refresh_url" }]);
  assert.equal(kernel.waiting("refresh_url"), true);
  assert.equal(kernel.waiting("request_bytes"), false);
  assert.deepEqual(timers.pending(), [1000]);
  kernel.answer("refresh_url", "https://s/new");
  assert.equal(await answer, "https://s/new");
  assert.equal(kernel.waiting("refresh_url"), false);
  assert.deepEqual(timers.pending(), []); // the timeout was cleared
});

test("kernel channel: timeout, supersede, error answers and close", async () => {
  const timers = fakeTimers();
  const kernel = createKernelChannel({ send: () => {} }, { timeoutMs: 20000, ...timers });
  const slow = kernel.ask("request_bytes");
  timers.run();
  await assert.rejects(slow, /the kernel did not answer within 20 s/);
  assert.equal(kernel.waiting("request_bytes"), false);

  const first = kernel.ask("refresh_url");
  const second = kernel.ask("refresh_url");
  await assert.rejects(first, /superseded by a newer request/);
  kernel.fail("refresh_url", new Error("no refresh callable"));
  await assert.rejects(second, /no refresh callable/);

  const a = kernel.ask("refresh_url");
  const b = kernel.ask("request_bytes");
  kernel.closeAll(new Error("the view was closed"));
  await assert.rejects(a, /the view was closed/);
  await assert.rejects(b, /the view was closed/);
  kernel.answer("refresh_url", "late"); // nothing open: ignored
  kernel.fail("launch_missiles", new Error("x"));
  assert.deepEqual(timers.pending(), []);
});
