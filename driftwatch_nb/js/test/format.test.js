import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_FILE_NAME,
  ViewerError,
  describeHttpStatus,
  errorText,
  fileNameFromUrl,
  fitLabel,
  formatPercent,
  frameDetails,
  round4,
  zoomLabel,
} from "../src/format.js";

test("errorText: message, else name, else String()", () => {
  assert.equal(errorText(new Error("boom")), "boom");
  assert.equal(errorText(new TypeError("")), "TypeError");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(42), "42");
  assert.ok(new ViewerError("x") instanceof Error);
});

test("fileNameFromUrl: last path segment, decoded, query ignored", () => {
  const signed = "https://h/storage/v1/object/sign/flamegraphs/a/b%20cpu.svg?token=t";
  assert.equal(fileNameFromUrl(signed), "b cpu.svg");
  assert.equal(fileNameFromUrl("/svg/pyspy.svg", "http://127.0.0.1:8000/page"), "pyspy.svg");
  assert.equal(fileNameFromUrl("https://h/dir/"), DEFAULT_FILE_NAME);
  assert.equal(fileNameFromUrl("not a url"), DEFAULT_FILE_NAME); // no base in Node
  assert.equal(fileNameFromUrl("https://h/%E0%A4%A"), DEFAULT_FILE_NAME); // bad escape
});

test("fitLabel: whole name, cut with '..', or nothing below three characters", () => {
  // 12px font: 7.08px a character; (px - 3) / 7.08 characters fit
  assert.equal(fitLabel("main", 100, 12), "main");
  assert.equal(fitLabel("a_long_function_name", 60, 12), "a_long..");
  assert.equal(fitLabel("main", 20, 12), "");
  assert.equal(fitLabel("abc", 3 + 3 * 7.08, 12), "abc");
});

test("round4, zoomLabel and formatPercent", () => {
  assert.equal(round4(1), "1");
  assert.equal(round4(1.23456789), "1.2346");
  assert.equal(round4(1 / 3), "0.3333");
  assert.equal(zoomLabel(1), "100%");
  assert.equal(zoomLabel(1.25 * 1.25), "156%");
  assert.equal(formatPercent(0), "0.00%");
  assert.equal(formatPercent(12.345), "12.35%");
});

test("frameDetails: count and percent when the title has them", () => {
  const full = { name: "f", count: "1,234", unit: "samples", percent: "12.5" };
  assert.equal(frameDetails(full), "f — 1,234 samples (12.5%)");
  assert.equal(frameDetails({ name: "g", count: null, unit: null, percent: null }), "g");
});

test("describeHttpStatus: JSON error and message, text squeezed, or the status alone", () => {
  const supabase = JSON.stringify({ statusCode: "400", error: "InvalidJWT", message: "exp claim" });
  assert.equal(describeHttpStatus(400, supabase), "HTTP 400 (InvalidJWT: exp claim)");
  assert.equal(describeHttpStatus(403, "<Error>\n  <Code>AccessDenied</Code>\n</Error>"),
    "HTTP 403 (<Error> <Code>AccessDenied</Code> </Error>)");
  assert.equal(describeHttpStatus(500, ""), "HTTP 500");
  assert.equal(describeHttpStatus(500, null), "HTTP 500");
  assert.equal(describeHttpStatus(404, "{}"), "HTTP 404");
  assert.equal(describeHttpStatus(502, "x".repeat(500)), `HTTP 502 (${"x".repeat(160)})`);
});
