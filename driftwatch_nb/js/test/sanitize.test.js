import assert from "node:assert/strict";
import { test } from "node:test";

import {
  SVG_NS,
  isAnimationElement,
  isDangerousAnimation,
  isForbiddenElement,
  precheckSvgText,
  sanitizeAttributeValue,
  stripExternalUrls,
} from "../src/sanitize.js";

test("stripExternalUrls: external url() and imports go, fragment urls stay", () => {
  assert.equal(stripExternalUrls("fill: url(#grad)"), "fill: url(#grad)");
  assert.equal(stripExternalUrls("fill: url('#grad')"), "fill: url('#grad')");
  assert.equal(stripExternalUrls("background: url(https://evil/x.png)"), "background: none");
  assert.equal(stripExternalUrls("b: URL('//evil/x')"), "b: none");
  assert.equal(stripExternalUrls('@import "https://evil/a.css"; text { fill: red }'), " text { fill: red }");
  assert.equal(stripExternalUrls("@IMPORT url(x.css)"), "");
});

test("elements: foreign namespaces and script-capable SVG elements are forbidden", () => {
  assert.equal(isForbiddenElement("g", SVG_NS), false);
  assert.equal(isForbiddenElement("rect", SVG_NS), false);
  for (const name of ["script", "foreignObject", "iframe", "handler", "LINK", "base", "video"]) {
    assert.equal(isForbiddenElement(name, SVG_NS), true, name);
  }
  assert.equal(isForbiddenElement("div", "http://www.w3.org/1999/xhtml"), true);
  assert.equal(isForbiddenElement("g", null), true);
  assert.ok(isAnimationElement("animateTransform") && isAnimationElement("set"));
  assert.ok(!isAnimationElement("rect"));
});

test("animations that set handlers, links or script URLs are dangerous", () => {
  const anim = (attrs) => (name) => (name in attrs ? attrs[name] : null);
  assert.equal(isDangerousAnimation(anim({ attributeName: "fill", to: "red" })), false);
  assert.equal(isDangerousAnimation(anim({ attributeName: " ONclick " })), true);
  assert.equal(isDangerousAnimation(anim({ attributeName: "href" })), true);
  assert.equal(isDangerousAnimation(anim({ attributeName: "xlink:href" })), true);
  assert.equal(isDangerousAnimation(anim({ attributeName: "x", values: "1;javascript:alert(1)" })), true);
  assert.equal(isDangerousAnimation(anim({ attributeName: "x", from: "data:text/html,<b>" })), true);
  assert.equal(isDangerousAnimation(anim({})), false);
});

test("attributes: handlers and non-fragment links dropped, url() cleaned, others kept", () => {
  assert.equal(sanitizeAttributeValue("onload", "init(evt)", false), null);
  assert.equal(sanitizeAttributeValue("OnMouseOver", "s(this)", false), null);
  assert.equal(sanitizeAttributeValue("href", "#frame", false), "#frame");
  assert.equal(sanitizeAttributeValue("href", " #frame", false), " #frame");
  assert.equal(sanitizeAttributeValue("href", "https://example.com/", false), null);
  assert.equal(sanitizeAttributeValue("href", "javascript:alert(1)", false), null);
  assert.equal(sanitizeAttributeValue("src", "x.png", true), null);
  assert.equal(sanitizeAttributeValue("href", "data:image/png;base64,AAAA", true), "data:image/png;base64,AAAA");
  assert.equal(sanitizeAttributeValue("href", "data:image/png;base64,AAAA", false), null);
  assert.equal(sanitizeAttributeValue("href", "data:image/svg+xml;base64,AAAA", true), null);
  assert.equal(sanitizeAttributeValue("action", "#x", false), "#x");
  assert.equal(sanitizeAttributeValue("fill", "javascript:x", false), null);
  assert.equal(sanitizeAttributeValue("style", "fill:url(http://evil/x)", false), "fill:none");
  assert.equal(sanitizeAttributeValue("fill", "url(#g)", false), "url(#g)");
  assert.equal(sanitizeAttributeValue("width", "12.5%", false), "12.5%");
});

test("precheck: empty text and entity declarations are refused before parsing", () => {
  assert.equal(precheckSvgText(""), "the file is empty");
  assert.equal(precheckSvgText("  \n"), "the file is empty");
  assert.equal(precheckSvgText(undefined), "the file is empty");
  assert.match(precheckSvgText('<!DOCTYPE svg [<!ENTITY a "b">]><svg/>') ?? "", /entities/);
  assert.equal(precheckSvgText('<svg xmlns="http://www.w3.org/2000/svg"><text>&lt;!ENTITY</text></svg>'), null);
  // no <svg> at all: only the first 64 KiB are looked at
  assert.match(precheckSvgText("<!entity x>") ?? "", /entities/);
  assert.equal(precheckSvgText(`${" ".repeat(70000)}<!ENTITY x>`), null);
});
