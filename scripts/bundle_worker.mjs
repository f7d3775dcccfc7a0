#!/usr/bin/env node
/**
 * Builds the Worker that `@edgelog/edgelog/testing` runs in Miniflare: `worker/index.ts` (the
 * `main` of wrangler.toml) bundled with hono and jose into one ES module by wrangler itself
 * (`wrangler deploy --dry-run`, offline, with the settings a deployment gets), and beside it
 * the runtime settings of wrangler.toml, read by wrangler's own config reader:
 *
 * - `dist/worker.bundle.js`: the bundle (no source map);
 * - `dist/worker.bundle.json`: `{ name, compatibilityDate, compatibilityFlags, vars,
 *   durableObjects }`,
 *   where `durableObjects` maps each binding to `{ className, useSQLite }` (SQLite when the
 *   class is among a migration's `new_sqlite_classes`).
 *
 * Both files are written to a temporary name and renamed, so that processes building at the
 * same time (test files run in parallel) never read half a file.
 *
 * Usage: `node scripts/bundle_worker.mjs [outdir]` (default `dist/` of the repository).
 * `testing/mod.ts` runs it on demand when the bundle is missing or older than the sources.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** The file names `testing/mod.ts` looks for. */
export const BUNDLE = "worker.bundle.js";
export const SETTINGS = "worker.bundle.json";

/**
 * The runtime settings of a wrangler config, as Miniflare takes them.
 * @param {string} configPath
 * @returns {Promise<Record<string, unknown>>}
 */
async function readSettings(configPath) {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  const sqlite = new Set(config.migrations.flatMap((m) => m.new_sqlite_classes ?? []));
  /** @type {Record<string, { className: string, useSQLite: boolean }>} */
  const durableObjects = {};
  for (const binding of config.durable_objects.bindings) {
    if (binding.script_name !== undefined) {
      throw new Error(`The Durable Object binding "${binding.name}" names another script`);
    }
    durableObjects[binding.name] = {
      className: binding.class_name,
      useSQLite: sqlite.has(binding.class_name),
    };
  }
  for (const [name, value] of Object.entries(config.vars)) {
    if (typeof value !== "string") throw new Error(`The var "${name}" is not a string`);
  }
  return {
    name: config.name,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    vars: config.vars,
    durableObjects,
  };
}

/**
 * Bundles the Worker and writes its settings beside it.
 * @param {string} outdir
 * @returns {Promise<void>}
 */
export async function bundleWorker(outdir) {
  mkdirSync(outdir, { recursive: true });
  const settings = await readSettings(join(ROOT, "wrangler.toml"));
  const work = mkdtempSync(join(outdir, ".bundle-"));
  try {
    execFileSync(WRANGLER, ["deploy", "--dry-run", "--outdir", work], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
      },
    });
    const code = readFileSync(join(work, "index.js"), "utf8")
      .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
    writeFileSync(join(work, BUNDLE), code);
    writeFileSync(join(work, SETTINGS), `${JSON.stringify(settings, null, 2)}\n`);
    // The settings last: a reader that finds them finds the bundle of the same build.
    renameSync(join(work, BUNDLE), join(outdir, BUNDLE));
    renameSync(join(work, SETTINGS), join(outdir, SETTINGS));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, "dist"));
  try {
    await bundleWorker(outdir);
  } catch (error) {
    const out = /** @type {{ stdout?: Buffer, stderr?: Buffer }} */ (error);
    if (out.stdout || out.stderr) {
      process.stderr.write(`${out.stdout ?? ""}${out.stderr ?? ""}`);
    }
    console.error(`bundle_worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  console.log(`bundle_worker: wrote ${join(outdir, BUNDLE)} and ${SETTINGS}`);
}
