/**
 * Finds the bundled Worker that the test server runs, and the runtime settings of
 * wrangler.toml written beside it by `scripts/bundle_worker.mjs`:
 * `worker.bundle.js` and `worker.bundle.json` in the `dist/` folder.
 *
 * The layout, relative to this module:
 * - in the repository (this file is `testing/bundle.ts`): `../dist/`, built on demand
 *   (`node scripts/bundle_worker.mjs`) when missing or older than a source of the Worker;
 * - in the npm package (this file is `dist/testing/bundle.js`): `../`, that is
 *   `dist/worker.bundle.js`, built with the package; never rebuilt.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The bundle's file name. */
export const BUNDLE_FILE = "worker.bundle.js";
/** The file name of the settings beside the bundle. */
export const SETTINGS_FILE = "worker.bundle.json";
/** The command that builds both, run from the repository root. */
export const BUILD_COMMAND = "node scripts/bundle_worker.mjs";

/** The runtime settings of wrangler.toml, as Miniflare takes them. */
export interface WorkerSettings {
  /**
   * `name`: the Worker's name. Miniflare keys Durable Object storage by it, as `wrangler dev`
   * does, so that the same name finds the same objects in a persisted folder.
   */
  name: string;
  /** `compatibility_date`. */
  compatibilityDate: string;
  /** `compatibility_flags`. */
  compatibilityFlags: string[];
  /** `[vars]`: the deployment's default vars. */
  vars: Record<string, string>;
  /** The Durable Object bindings: binding name to class and storage backend. */
  durableObjects: Record<string, { className: string; useSQLite: boolean }>;
}

/** A built Worker: where its script is and how to run it. */
export interface WorkerBundle {
  /** The absolute path of the bundled ES module. */
  scriptPath: string;
  /** The folder of the bundle (Miniflare's `modulesRoot`). */
  modulesRoot: string;
  /** The settings of wrangler.toml. */
  settings: WorkerSettings;
}

/** Whether this module runs from the repository's TypeScript sources. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
/** The repository root, when running from the sources. */
const ROOT = new URL("../", import.meta.url);
const DIST = FROM_SOURCE ? new URL("dist/", ROOT) : new URL("../", import.meta.url);
/** What the Worker bundle is built from, relative to the repository root. */
const SOURCES = ["mod.ts", "src/", "worker/", "wrangler.toml", "package-lock.json"];

/** The bundle of this process, found (and built, if need be) once. */
let found: Promise<WorkerBundle> | undefined;

/**
 * The Worker bundle and its settings; from the repository's sources, built first when it
 * is missing or stale.
 *
 * @returns The bundle.
 * @throws {Error} When the bundle is missing from the package, or building it fails; the
 * message names the command that builds it.
 */
export function workerBundle(): Promise<WorkerBundle> {
  found ??= locate().catch((error) => {
    found = undefined;
    throw error;
  });
  return found;
}

async function locate(): Promise<WorkerBundle> {
  const script = new URL(BUNDLE_FILE, DIST);
  const settingsFile = new URL(SETTINGS_FILE, DIST);
  if (FROM_SOURCE && await isStale(settingsFile)) await build();
  let text: string;
  try {
    await stat(script);
    text = await readFile(settingsFile, "utf8");
  } catch (error) {
    throw new Error(
      `The Worker bundle "${fileURLToPath(script)}" or its settings are missing: ` +
        `build them with "${BUILD_COMMAND}" in the edgelog repository`,
      { cause: error },
    );
  }
  return {
    scriptPath: fileURLToPath(script),
    modulesRoot: fileURLToPath(DIST),
    settings: parseSettings(text, fileURLToPath(settingsFile)),
  };
}

/** Whether the built settings (written last) are missing or older than a source. */
async function isStale(built: URL): Promise<boolean> {
  let builtAt: number;
  try {
    builtAt = (await stat(built)).mtimeMs;
  } catch {
    return true;
  }
  for (const source of SOURCES) {
    if (await newerThan(new URL(source, ROOT), builtAt)) return true;
  }
  return false;
}

async function newerThan(path: URL, time: number): Promise<boolean> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return false;
  }
  if (!info.isDirectory()) return info.mtimeMs > time;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = new URL(entry.isDirectory() ? `${entry.name}/` : entry.name, path);
    if (await newerThan(child, time)) return true;
  }
  return false;
}

function build(): Promise<void> {
  const root = fileURLToPath(ROOT);
  return new Promise((resolve, reject) => {
    execFile("node", ["scripts/bundle_worker.mjs"], { cwd: root }, (error, stdout, stderr) => {
      if (error === null) return resolve();
      reject(
        new Error(
          `Building the Worker bundle with "${BUILD_COMMAND}" in "${root}" failed: ${
            `${stderr}${stdout}`.trim() || error.message
          }`,
          { cause: error },
        ),
      );
    });
  });
}

function parseSettings(text: string, path: string): WorkerSettings {
  const bad = () => new Error(`The Worker settings "${path}" are malformed: rebuild them`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (typeof value !== "object" || value === null) throw bad();
  const settings = value as Partial<WorkerSettings>;
  if (
    typeof settings.name !== "string" ||
    typeof settings.compatibilityDate !== "string" ||
    !Array.isArray(settings.compatibilityFlags) ||
    typeof settings.vars !== "object" || settings.vars === null ||
    typeof settings.durableObjects !== "object" || settings.durableObjects === null
  ) throw bad();
  return settings as WorkerSettings;
}
