import assert from "node:assert/strict";
import { test } from "node:test";

import {
  SVG_NS,
  defuseMarkup,
  elementVerdict,
  isSafePresentationValue,
  precheckSvgText,
  safeDeclarations,
  sanitizeAttribute,
  simpleRules,
  styleText,
} from "../src/sanitize.js";

const XHTML = "http://www.w3.org/1999/xhtml";

test("elements: an allow-list of SVG picture elements; links become groups; the rest is dropped", () => {
  for (const name of ["svg", "g", "rect", "text", "tspan", "title", "path", "linearGradient", "stop", "clipPath"]) {
    assert.equal(elementVerdict(name, SVG_NS), "keep", name);
  }
  assert.equal(elementVerdict("a", SVG_NS), "group");
  assert.equal(elementVerdict("switch", SVG_NS), "group");
  for (const name of [
    "script", "style", "foreignObject", "use", "image", "feImage", "filter", "mask", "pattern",
    "animate", "set", "animateTransform", "animateMotion", "handler", "iframe", "symbol",
    "textPath", "marker", "cursor", "font-face", "discard", "view",
  ]) {
    assert.equal(elementVerdict(name, SVG_NS), "drop", name);
  }
  assert.equal(elementVerdict("rect", XHTML), "drop");
  assert.equal(elementVerdict("svg", null), "drop");
  assert.equal(elementVerdict("script", XHTML), "drop");
});

test("presentation values: colours, numbers, lengths, keywords and url(#id) only", () => {
  const ok = [
    ["fill", "#fc9"], ["fill", "rgb(230, 120, 40)"], ["fill", "rgba(1,2,3,0.5)"], ["fill", "none"],
    ["fill", "url(#grad)"], ["stroke", "url('#g')"], ["stroke-width", "0.5"], ["opacity", ".3"],
    ["font-size", "12px"], ["font-size", "17"], ["font-family", "Verdana, 'DejaVu Sans', monospace"],
    ["text-anchor", "middle"], ["dominant-baseline", "central"], ["display", "none"],
    ["visibility", "hidden"], ["clip-path", "url(#c)"], ["stroke-dasharray", "4 2"],
  ];
  for (const [p, v] of ok) assert.equal(isSafePresentationValue(p, v), true, `${p}: ${v}`);
  const bad = [
    ["fill", "url(http://evil/x#p)"], ["fill", "url(//evil/x)"], ["fill", "url(#a) , url(http://x)"],
    ["fill", "\\75 rl(http://evil)"], ["fill", "u\\rl(x)"], ["fill", "image-set('x' 1x)"],
    ["fill", "var(--x)"], ["fill", "expression(alert(1))"], ["fill", "red;background:url(x)"],
    ["font-family", "a\\62 c"], ["font-family", "x; @import"], ["display", "block"],
    ["display", "contents"], ["clip-path", "url(x.svg#c)"], ["clip-path", "circle(50%)"],
    ["position", "fixed"], ["cursor", "url(x.png), auto"], ["filter", "url(#f)"],
    ["mask", "url(#m)"], ["background", "red"], ["constructor", "x"], ["fill", ""],
  ];
  for (const [p, v] of bad) assert.equal(isSafePresentationValue(p, v), false, `${p}: ${v}`);
});

test("style attributes keep only allowed properties with safe values, without !important", () => {
  assert.deepEqual(safeDeclarations("fill: red; stroke-width: 2 !important; position: fixed"), [
    ["fill", "red"],
    ["stroke-width", "2"],
  ]);
  assert.deepEqual(safeDeclarations("mask-image: \\75 rl(http://x); cursor: url(x), auto"), []);
  assert.deepEqual(safeDeclarations("FILL: blue; fi/**/ll: red; font-size: 1\\32px"), [["fill", "blue"]]);
  assert.deepEqual(safeDeclarations("background: image-set('http://x' 1x); animation: k 1s"), []);
  assert.deepEqual(safeDeclarations(":host { position: fixed }"), []);
  assert.equal(styleText([["fill", "red"], ["opacity", "0.5"]]), "fill: red; opacity: 0.5");
});

test("attributes: per-element allow-list, same-document links only, safe geometry", () => {
  assert.equal(sanitizeAttribute("rect", "x", "10.5"), "10.5");
  assert.equal(sanitizeAttribute("rect", "width", "12.5%"), "12.5%");
  assert.equal(sanitizeAttribute("rect", "fg:x", "1200"), "1200");
  assert.equal(sanitizeAttribute("rect", "fg:w", "1e3"), "1e3");
  assert.equal(sanitizeAttribute("rect", "fg:w", "x)"), null);
  assert.equal(sanitizeAttribute("path", "d", "M0 0L10 10z"), "M0 0L10 10z");
  assert.equal(sanitizeAttribute("svg", "viewBox", "0 0 1200 200"), "0 0 1200 200");
  assert.equal(sanitizeAttribute("g", "transform", "translate(10, 2) scale(2)"), "translate(10, 2) scale(2)");
  assert.equal(sanitizeAttribute("g", "transform", "url(x)"), null);
  assert.equal(sanitizeAttribute("text", "id", "title"), "title");
  assert.equal(sanitizeAttribute("text", "id", "a b"), null);
  assert.equal(sanitizeAttribute("rect", "fill", "url(#g)"), "url(#g)");
  assert.equal(sanitizeAttribute("rect", "fill", "url(http://evil/p#p)"), null);
  assert.equal(sanitizeAttribute("rect", "style", "fill: red; position: fixed"), "fill: red");
  assert.equal(sanitizeAttribute("rect", "style", "position: fixed"), null);
  assert.equal(sanitizeAttribute("linearGradient", "href", "#base"), "#base");
  assert.equal(sanitizeAttribute("linearGradient", "xlink:href", " #base "), "#base");
  assert.equal(sanitizeAttribute("linearGradient", "href", "http://evil/g.svg#g"), null);
  for (const [el, name, value] of [
    ["rect", "onclick", "alert(1)"], ["svg", "onload", "x"], ["rect", "href", "#x"],
    ["text", "class", "hide"], ["rect", "tabindex", "0"], ["rect", "filter", "url(#f)"],
    ["rect", "mask", "url(#m)"], ["rect", "cursor", "pointer"], ["rect", "x", "expression(1)"],
    ["rect", "x", "1;2"], ["rect", "x", "\\31"], ["image", "href", "#x"], ["g", "requiredExtensions", "x"],
    ["rect", "xml:base", "http://evil/"], ["text", "textLength", "url(x)"], ["rect", "ex:href", "#x"],
  ]) {
    assert.equal(sanitizeAttribute(el, name, value), null, `${el} ${name}=${value}`);
  }
  assert.equal(sanitizeAttribute("svg", "xmlns:xlink", "http://www.w3.org/1999/xlink"), "http://www.w3.org/1999/xlink");
});

test("stylesheets: simple rules become inline styles, everything else is dropped", () => {
  assert.deepEqual(simpleRules("text { font-family: monospace; font-size: 12px } #title { text-anchor: middle }"), [
    ["text", [["font-family", "monospace"], ["font-size", "12px"]]],
    ["#title", [["text-anchor", "middle"]]],
  ]);
  assert.deepEqual(simpleRules(".hide { display: none } #frames > *:hover { stroke: black }"), [
    [".hide", [["display", "none"]]],
  ]);
  assert.deepEqual(simpleRules(":host { position: fixed !important }"), []);
  assert.deepEqual(simpleRules("g rect { fill: red } [x] { fill: blue } a:hover { fill: red }"), [
    ["g rect", [["fill", "red"]]],
  ]);
  // an at-rule or an escape anywhere: the whole sheet is refused rather than guessed at
  assert.deepEqual(simpleRules("@import url(x.css); text { fill: red }"), []);
  assert.deepEqual(simpleRules("@\\69mport 'x'; text { fill: red }"), []);
  assert.deepEqual(simpleRules("text { fill: \\75 rl(x) }"), []);
  assert.deepEqual(simpleRules("/* c */ rect { fill: red; background: url(x) }"), [["rect", [["fill", "red"]]]]);
});

test("defuseMarkup: handler attributes and <base> elements renamed, in tags only", () => {
  assert.equal(
    defuseMarkup('<svg onload="a()" width="1"><rect ONCLICK=\'b\' x="1"/></svg>'),
    '<svg dw-dropped-onload="a()" width="1"><rect dw-dropped-ONCLICK=\'b\' x="1"/></svg>',
  );
  assert.equal(defuseMarkup('<g ev:onfoo="x"/>'), '<g dw-dropped-ev-onfoo="x"/>');
  // text, comments, CDATA and attribute values are left alone
  const untouched = '<text title="a onclick=b">run onclick="x" here</text><!-- <a onclick="x"> --><![CDATA[<b onload="y">]]>';
  assert.equal(defuseMarkup(untouched), untouched);
  assert.equal(defuseMarkup('<rect one="1" x="2"/>'), '<rect dw-dropped-one="1" x="2"/>');
  assert.equal(defuseMarkup('<rect x="1"/>'), '<rect x="1"/>');
  assert.equal(
    defuseMarkup('<h:base xmlns:h="x" href="http://e/"></h:base ><BASE/><base-x/><text>base</text>'),
    '<h:dw-dropped-base xmlns:h="x" href="http://e/"></h:dw-dropped-base ><dw-dropped-BASE/><base-x/><text>base</text>',
  );
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
