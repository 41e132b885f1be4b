// The differential colour rule on the JS side, against the vectors the Python tests check too
// (tests/test_diff_colours.py): the canvas and the downloadable SVG colour the same frames alike.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { DIFF_NEUTRAL, buildTree, diffColour, selfDeltas } from "../src/stacks.js";

const VECTORS = JSON.parse(readFileSync(new URL("./diff_colours.json", import.meta.url), "utf8"));

test("diffColour: the shared vectors", () => {
  for (const { delta, maxAbs, colour } of VECTORS.colour) {
    assert.equal(diffColour(delta, maxAbs), colour, `delta ${delta}, maxAbs ${maxAbs}`);
  }
});

for (const shape of /** @type {const} */ (["head", "base"])) {
  test(`a diff tree's frames take the shared colours (${shape} shape)`, () => {
    const tree = buildTree(VECTORS.head, { base: VECTORS.base, shape });
    const { delta, maxAbs } = selfDeltas(tree, shape);
    /** @type {Record<string, string>} */
    const got = {};
    for (let i = 1; i < tree.n; i++) {
      got[tree.names[tree.nameOf[i]]] = diffColour(delta[i], maxAbs);
    }
    assert.deepEqual(got, VECTORS.frames[shape]);
  });
}

test("a caller whose callee grew stays neutral (self share, not inclusive)", () => {
  const tree = buildTree(VECTORS.head, { base: VECTORS.base });
  const { delta, maxAbs } = selfDeltas(tree, "head");
  const x = Array.from({ length: tree.n }, (_, i) => i).find((i) => tree.names[tree.nameOf[i]] === "x");
  assert.ok(x !== undefined);
  assert.ok(tree.total[x] / tree.totalSamples > /** @type {Float64Array} */ (tree.otherTotal)[x] / tree.otherSamples);
  assert.equal(diffColour(delta[x], maxAbs), DIFF_NEUTRAL);
});
