// Builds the npm package `@edgelog/edgelog` into dist/: ESM JavaScript and .d.ts compiled by
// tsc from the TypeScript sources, mirroring the source tree (mod.ts -> dist/mod.js,
// src/client/mod.ts -> dist/src/client/mod.js, ...). `npm run build`; `npm pack` runs it
// first (prepack).
//
// ENTRIES below is the one list of what is compiled. Each entry names its source and the
// tsconfig whose types it is compiled with: tsconfig.build.json (Node: @types/node and the DOM
// lib) or tsconfig.build.worker.json (Workers: @cloudflare/workers-types). Each config's
// entries are one tsc program, which emits them and every file they import. An entry whose
// source does not exist yet is skipped with a note. Afterwards every file that package.json's
// `exports` and `bin` name must exist in dist/, else the build fails.
//
// Usage: node scripts/build.mjs
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const NODE = "tsconfig.build.json";
const WORKERS = "tsconfig.build.worker.json";

/**
 * Every compiled entry: the package.json export it serves (for humans), its source, and its
 * tsconfig. src/node/ holds the npm-only entries that make `ws` the client's WebSocket in Node.
 */
export const ENTRIES = [
  { export: ".", source: "mod.ts", config: NODE },
  { export: "./client", source: "src/node/client.ts", config: NODE },
  { export: "./cli", source: "src/node/cli.ts", config: NODE },
  { export: "bin edgelog", source: "src/node/bin.ts", config: NODE },
  { export: "./token", source: "src/protocol/token.ts", config: NODE },
  { export: "./conformance", source: "src/conformance/mod.ts", config: NODE },
  // Compiled once they exist; add their exports to package.json then.
  { export: "./testing", source: "testing/mod.ts", config: NODE },
  { export: "./worker", source: "worker/mod.ts", config: WORKERS },
];

const dist = join(ROOT, "dist");
rmSync(dist, { recursive: true, force: true });
// Inside the repository: tsc finds the type packages from a config's own folder up.
const temp = mkdtempSync(join(ROOT, ".build-"));
try {
  for (const config of [NODE, WORKERS]) {
    const files = [];
    for (const entry of ENTRIES.filter((e) => e.config === config)) {
      if (existsSync(join(ROOT, entry.source))) files.push(join(ROOT, entry.source));
      else console.log(`build: skipped "${entry.export}": no "${entry.source}" yet`);
    }
    if (files.length === 0) continue;
    // tsc takes no file list together with -p: a config that extends the real one names them.
    const project = join(temp, config);
    writeFileSync(
      project,
      JSON.stringify({
        extends: join(ROOT, config),
        compilerOptions: { rootDir: ROOT, outDir: dist },
        files,
      }),
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const run = spawnSync(process.execPath, [tsc, "-p", project], { cwd: ROOT, stdio: "inherit" });
    if (run.status !== 0) {
      console.error(`build: tsc failed for "${config}"`);
      process.exit(1);
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

// The Worker that @edgelog/edgelog/testing runs in Miniflare, bundled with its dependencies.
const bundle = spawnSync(process.execPath, [join(ROOT, "scripts", "bundle_worker.mjs"), dist], {
  cwd: ROOT,
  stdio: "inherit",
});
if (bundle.status !== 0) {
  console.error("build: bundling the Worker failed");
  process.exit(1);
}

// Every file package.json points at must have been built.
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const targets = [
  ...Object.values(pkg.exports ?? {}).flatMap((target) =>
    typeof target === "string" ? [target] : Object.values(target)
  ),
  ...Object.values(pkg.bin ?? {}),
];
const missing = targets.filter((target) => !existsSync(join(ROOT, target)));
if (missing.length > 0) {
  console.error(`build: package.json names files that were not built: ${missing.join(", ")}`);
  process.exit(1);
}
for (const bin of Object.values(pkg.bin ?? {})) chmodSync(join(ROOT, bin), 0o755);
console.log(`build: ${targets.length} package.json targets in dist/`);
