// Bundle src/index.js into the one ES module every surface loads:
// driftwatch_nb/core/static/viewer.js. `--check` builds in memory, writes the result to a temp
// file and fails when it differs from the committed bundle (a source changed, the bundle not).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const jsDir = path.resolve(here, "..");
const outFile = path.resolve(jsDir, "../core/static/viewer.js");
const BANNER = `// GENERATED FILE, do not edit: bundled by esbuild from driftwatch_nb/js/src/ (entry index.js).
// Edit the sources there, then run \`npm run build\` in driftwatch_nb/js (see its README.md).
//
// driftwatch flamegraph viewer: one ES module shared by the notebook widget (anywidget) and
// the dashboard.`;

const result = await esbuild.build({
  absWorkingDir: jsDir,
  entryPoints: ["src/index.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: false,
  charset: "utf8",
  legalComments: "none",
  banner: { js: BANNER },
  write: false,
  outfile: outFile,
  logLevel: "warning",
});
const text = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  const dir = mkdtempSync(path.join(tmpdir(), "dw-viewer-"));
  const fresh = path.join(dir, "viewer.js");
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
      process.exitCode = 1;
    } else {
      console.log(`${path.relative(process.cwd(), outFile)} is up to date with src/`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${path.relative(process.cwd(), outFile)} (${text.split("\n").length} lines)`);
}
