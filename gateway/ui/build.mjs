// Builds the console into dist/: dist/index.html and dist/assets/app-<hash>.{js,css}, each
// asset with a gzip copy (`.gz`) that the server sends as is to browsers that take gzip
// (compressing on every request costs a debug build hundreds of milliseconds).
// The output depends only on the sources and the locked packages (content-hashed names, no
// timestamps, no source maps; gzip by fflate, pure JavaScript, not the zlib Node happens to
// bundle), so CI can rebuild it and check that the committed dist/ is what the sources make.
import { build } from "esbuild";
import { gzipSync } from "fflate";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, "assets"), { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: "src/main.tsx" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: dist,
  entryNames: "assets/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  metafile: true,
  write: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
if (!js || !css) throw new Error(`expected a .js and a .css output, got ${outputs.join(", ")}`);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${css}">
<script type="module" src="/ui/assets/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Baton console needs JavaScript.</noscript>
</body>
</html>
`;
await writeFile(join(dist, "index.html"), html);

for (const file of [js, css]) {
  const path = join(dist, "assets", file);
  const data = await readFile(path);
  await writeFile(`${path}.gz`, gzipSync(data, { level: 9, mtime: 0 }));
}

const files = await readdir(join(dist, "assets"));
console.log(`built dist/index.html, ${files.map((f) => `assets/${f}`).join(", ")}`);
