#!/usr/bin/env node
/**
 * Builds the web console (`src/console/`) into the Worker's static assets: `.assets/console/`
 * (git-ignored), served at `/console/` by `worker/console.ts`:
 *
 * - `console.js`: `src/console/main.ts` and what it imports (the client, the protocol, the
 *   core), bundled and minified by esbuild into one ES module;
 * - `index.html` and `console.css`, copied.
 *
 * It prints the size of each file and of the first load compressed (gzip, level 9: what a
 * browser downloads to show the page: the three files) and fails when that is 100 KB or more.
 * Each file is written to a temporary name and renamed, and left alone when unchanged, so that
 * servers starting at the same time (each `wrangler dev` runs this as wrangler.toml's
 * `[build] command`) never read half a file nor restart for nothing.
 *
 * Usage: `node scripts/build_console.mjs` (from anywhere). `vitest.config.ts` runs it too, as
 * the workerd tests read wrangler.toml's `[assets]`, whose folder must exist.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** The source folder of the console. */
const SOURCE = join(ROOT, "src", "console");
/** The assets folder of wrangler.toml's `[assets]`. */
export const ASSETS = join(ROOT, ".assets");
/** Where the console's files go: below the assets, at the console's path. */
export const OUT = join(ASSETS, "console");
/** The most bytes the page may take to load, compressed. */
export const FIRST_LOAD_LIMIT = 100 * 1000;

/**
 * Writes `bytes` to `path` unless it holds them already.
 * @param {string} path
 * @param {Uint8Array} bytes
 */
function writeIfChanged(path, bytes) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0) return;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

/**
 * Builds the console.
 * @returns {Promise<{ files: { name: string, bytes: number, gzip: number }[], gzip: number }>}
 *   each file's size and compressed size, and the compressed first load
 */
export async function buildConsole() {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(SOURCE, "main.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const script = result.outputFiles[0];
  if (script === undefined) throw new Error("esbuild wrote no bundle");
  mkdirSync(OUT, { recursive: true });
  /** @type {[string, Uint8Array][]} */
  const outputs = [
    ["index.html", readFileSync(join(SOURCE, "index.html"))],
    ["console.css", readFileSync(join(SOURCE, "console.css"))],
    ["console.js", script.contents],
  ];
  const files = [];
  for (const [name, bytes] of outputs) {
    writeIfChanged(join(OUT, name), bytes);
    files.push({ name, bytes: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength });
  }
  return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { files, gzip } = await buildConsole();
    const kb = (/** @type {number} */ n) => `${(n / 1000).toFixed(1)} KB`;
    const list = files.map((f) => `${f.name} ${kb(f.bytes)} (${kb(f.gzip)} gzip)`).join(", ");
    console.log(
      `build_console: .assets/console: ${list}; first load ${kb(gzip)} gzip ` +
        `(limit ${kb(FIRST_LOAD_LIMIT)})`,
    );
    if (gzip >= FIRST_LOAD_LIMIT) {
      console.error(`build_console: the first load is over ${kb(FIRST_LOAD_LIMIT)} compressed`);
      process.exit(1);
    }
  } catch (error) {
    console.error(`build_console: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
