// Builds the dashboard into aggregator/dashboard/assets (committed, so that
// `go build` needs no Node):
//
//   node build.mjs           write index.html, app-<hash>.js, app-<hash>.css, build.json
//   node build.mjs --check   build in memory; exit 1 if the committed files differ
//
// build.json records sources_sha256, a digest of every input below; the Go
// test TestBundleMatchesSources recomputes it without Node, so a change to
// web/ without a rebuild fails `make test-unit` too. The digest: for each
// input in byte order of its path relative to web/, "<path>\n<sha256 hex of
// its bytes>\n", all hashed with SHA-256.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { join, dirname, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const out = join(web, "..", "aggregator", "dashboard", "assets");
const check = process.argv.includes("--check");

const sha = (b) => createHash("sha256").update(b).digest("hex");

function inputs() {
  const files = ["build.mjs", "package.json", "package-lock.json", "tsconfig.json"];
  const walk = (d) => {
    for (const e of readdirSync(join(web, d), { withFileTypes: true })) {
      const p = d + "/" + e.name;
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk("src");
  return files.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

function sourcesDigest() {
  const h = createHash("sha256");
  for (const f of inputs()) h.update(`${f}\n${sha(readFileSync(join(web, f)))}\n`);
  return h.digest("hex");
}

const res = await build({
  entryPoints: { app: join(web, "src", "main.ts") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "chrome111", "firefox111", "safari16.4"],
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  outdir: out,
  write: false,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  metafile: true,
});

const files = new Map(); // name -> Buffer
let js = "";
let css = "";
for (const f of res.outputFiles) {
  const name = relative(out, f.path).split(sep).join("/");
  files.set(name, Buffer.from(f.contents));
  if (name.endsWith(".js")) js = name;
  if (name.endsWith(".css")) css = name;
}
if (!js || !css) throw new Error("esbuild produced no js or no css");
const html = readFileSync(join(web, "src", "index.html"), "utf8").replace("{{JS}}", "assets/" + js).replace("{{CSS}}", "assets/" + css);
files.set("index.html", Buffer.from(html));
const manifest = {
  comment: "written by web/build.mjs; do not edit. sources_sha256 covers web/{build.mjs,package.json,package-lock.json,tsconfig.json,src/**}",
  sources_sha256: sourcesDigest(),
  files: Object.fromEntries([...files].sort(([a], [b]) => a.localeCompare(b)).map(([n, b]) => [n, { bytes: b.length, sha256: sha(b) }])),
};
files.set("build.json", Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));

const onDisk = existsSync(out) ? readdirSync(out) : [];
if (check) {
  const bad = [];
  for (const [n, b] of files) {
    if (!onDisk.includes(n)) bad.push(`missing ${n}`);
    else if (!readFileSync(join(out, n)).equals(b)) bad.push(`differs ${n}`);
  }
  for (const n of onDisk) if (!files.has(n)) bad.push(`stale ${n}`);
  if (bad.length) {
    console.error(`aggregator/dashboard/assets is not the build of web/:\n  ${bad.join("\n  ")}\nrun: cd web && npm ci && npm run build`);
    process.exit(1);
  }
  console.log("aggregator/dashboard/assets is up to date with web/");
} else {
  mkdirSync(out, { recursive: true });
  for (const n of onDisk) if (!files.has(n)) rmSync(join(out, n));
  for (const [n, b] of files) writeFileSync(join(out, n), b);
  for (const [n, b] of files) console.log(`${n.padEnd(28)} ${String(b.length).padStart(8)} bytes`);
}
