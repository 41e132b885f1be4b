// Bundle src/index.js into driftwatch_nb/core/static/viewer.js and src/history-index.js into
// driftwatch_nb/core/static/history.js. `--check` builds in memory, writes the result to a temp
// file and fails when it differs from the committed bundle (a source changed, the bundle not).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const jsDir = path.resolve(here, "..");
const staticDir = path.resolve(jsDir, "../core/static");

// Two bundles built the same way: the flamegraph viewer (FlamegraphViewer, dashboard) and the
// history chart (HistoryViewer, the dashboard's benchmark page), which includes the viewer to
// open a point's flamegraph.
const BUNDLES = [
  {
    entry: "src/index.js",
    out: "viewer.js",
    what: "driftwatch flamegraph viewer: one ES module shared by the notebook widget (anywidget) and\n// the dashboard.",
  },
  {
    entry: "src/history-index.js",
    out: "history.js",
    what: "driftwatch history chart: one ES module shared by the notebook's HistoryViewer (anywidget)\n// and the dashboard's benchmark pages.",
  },
];

let failed = false;
for (const bundle of BUNDLES) {
  const outFile = path.join(staticDir, bundle.out);
  const banner = `// GENERATED FILE, do not edit: bundled by esbuild from driftwatch_nb/js/src/ (entry ${path.basename(bundle.entry)}).
// Edit the sources there, then run \`npm run build\` in driftwatch_nb/js (see its README.md).
//
// ${bundle.what}`;
  const result = await esbuild.build({
    absWorkingDir: jsDir,
    entryPoints: [bundle.entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: false,
    charset: "utf8",
    legalComments: "none",
    banner: { js: banner },
    write: false,
    outfile: outFile,
    logLevel: "warning",
  });
  const text = result.outputFiles[0].text;
  if (process.argv.includes("--check")) {
    if (!check(outFile, text)) failed = true;
  } else {
    writeFileSync(outFile, text);
    console.log(`wrote ${path.relative(process.cwd(), outFile)} (${text.split("\n").length} lines)`);
  }
}
if (failed) process.exitCode = 1;

/**
 * @param {string} outFile
 * @param {string} text
 * @returns {boolean}
 */
function check(outFile, text) {
  const dir = mkdtempSync(path.join(tmpdir(), "dw-viewer-"));
  const fresh = path.join(dir, path.basename(outFile));
  try {
    writeFileSync(fresh, text);
    let committed = "";
    try {
      committed = readFileSync(outFile, "utf8");
    } catch {
      // missing: reported below
    }
    if (committed !== readFileSync(fresh, "utf8")) {
      console.error(
        `${path.relative(process.cwd(), outFile)} is stale: it differs from a fresh build of src/. ` +
          "Run `npm run build` in driftwatch_nb/js and commit the result.",
      );
      return false;
    }
    console.log(`${path.relative(process.cwd(), outFile)} is up to date with src/`);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
