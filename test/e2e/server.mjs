/**
 * Starts and stops the real local server for the end-to-end tests: the README's "run locally"
 * command (`npm start`, which is `node scripts/start.mjs`: `wrangler dev` on 127.0.0.1), spawned
 * in its own process group so that a test can SIGKILL the whole tree (node, wrangler and its
 * workerd child) at once and start it again on the same port and the same persistence
 * directory. Without a `secret` it runs in open development mode, as `npm start` does with no
 * AUTH_SECRET; with one, every request needs a token.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above this file). */
export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Process groups started by this module and not yet ended; killed when node exits. */
const live = new Set();
process.on("exit", () => {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch { /* already gone */ }
  }
});

/**
 * Finds a free TCP port on 127.0.0.1.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/**
 * Resolves after `ms` milliseconds.
 * @param {number} ms
 * @returns {Promise<void>}
 */
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * One local server: `wrangler dev --ip 127.0.0.1 --port PORT --persist-to DIR`.
 * `start()` may be called again after `kill()` or `stop()`; port and directory stay the same.
 */
export class DevServer {
  /**
   * @param {{ port?: number, persistTo?: string, cwd?: string, secret?: string }} [options]
   *   defaults: a free port, a fresh temporary directory (removed by `dispose()`), the
   *   repository root (where wrangler.toml is), no AUTH_SECRET (open development mode)
   */
  constructor(options = {}) {
    /** The AUTH_SECRET the server runs with, if any. @type {string | undefined} */
    this.secret = options.secret;
    /** @type {string} */
    this.cwd = options.cwd ?? process.env.EDGELOG_ROOT ?? ROOT;
    /** @type {number} */
    this.port = options.port ?? 0;
    /** @type {string} */
    this.persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "edgelog-e2e-"));
    /** @type {boolean} */
    this.ownsDir = options.persistTo === undefined;
    /** @type {import("node:child_process").ChildProcess | null} */
    this.child = null;
    /** @type {Promise<void> | null} */
    this.exited = null;
    /** The last lines the server printed, for failure messages. @type {string[]} */
    this.output = [];
  }

  /** The base URL, e.g. `http://127.0.0.1:8787`. @returns {string} */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The WebSocket base URL, e.g. `ws://127.0.0.1:8787`. @returns {string} */
  get wsUrl() {
    return `ws://127.0.0.1:${this.port}`;
  }

  /**
   * Spawns the server and waits until it answers HTTP.
   * @param {number} [timeoutMs] how long to wait for the first HTTP answer
   * @returns {Promise<number>} milliseconds until ready
   */
  async start(timeoutMs = 60_000) {
    if (this.child) throw new Error("Server is already running");
    if (this.port === 0) this.port = await freePort();
    const t0 = performance.now();
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env, NO_COLOR: "1" };
    // Empty: no secret, whatever .dev.vars says (start.mjs lets the environment win).
    env.AUTH_SECRET = this.secret ?? "";
    const options = [
      "--port",
      String(this.port),
      // A free port of its own for the inspector: wrangler's default (9229) may be taken by
      // another server on this machine by the time workerd binds it.
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      this.persistTo,
      "--show-interactive-dev-session=false",
    ];
    const start = join(this.cwd, "scripts", "start.mjs");
    // A tree from before scripts/start.mjs (EDGELOG_ROOT) started wrangler dev directly.
    const [command, args] = existsSync(start)
      ? [process.execPath, [start, ...options]]
      : [join(this.cwd, "node_modules", ".bin", "wrangler"), [
        "dev",
        "--ip",
        "127.0.0.1",
        ...options,
      ]];
    Object.assign(env, {
      CI: "true",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    });
    const child = spawn(command, args, {
      cwd: this.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const pid = /** @type {number} */ (child.pid);
    live.add(pid);
    this.child = child;
    // A killed server's children (esbuild) may still write their dying words into the old
    // pipes: only this start's output is kept, so that a failure shows its own cause.
    this.output = [];
    /** @param {Buffer} chunk */
    const keep = (chunk) => {
      if (this.child !== child) return;
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        this.output.push(line);
        if (this.output.length > 200) this.output.shift();
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((ok) =>
      child.once("exit", () => {
        live.delete(pid);
        ok();
      })
    );
    let exitedEarly = false;
    this.exited.then(() => (exitedEarly = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exitedEarly) {
        this.child = null;
        throw new Error(`wrangler dev exited before answering:\n${this.tail()}`);
      }
      try {
        const res = await fetch(`${this.url}/`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return performance.now() - t0;
      } catch {
        await sleep(200);
      }
    }
    await this.kill();
    throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /**
   * Kills the whole process group with SIGKILL (no shutdown of any kind) and waits for it.
   * @returns {Promise<void>}
   */
  async kill() {
    await this.#signal("SIGKILL", 10_000);
  }

  /**
   * Ends the server politely (SIGTERM to the group), then SIGKILL after 5 s.
   * @returns {Promise<void>}
   */
  async stop() {
    await this.#signal("SIGTERM", 5_000);
    if (this.child) await this.kill();
  }

  /**
   * Stops the server and removes the persistence directory if this object created it.
   * @returns {Promise<void>}
   */
  async dispose() {
    if (this.child) await this.stop();
    if (this.ownsDir) rmSync(this.persistTo, { recursive: true, force: true });
  }

  /** The server's last output lines. @returns {string} */
  tail() {
    return this.output.slice(-40).join("\n");
  }

  /**
   * @param {NodeJS.Signals} signal
   * @param {number} waitMs
   */
  async #signal(signal, waitMs) {
    const child = this.child;
    if (!child || !child.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch { /* already gone */ }
    const done = await Promise.race([
      this.exited?.then(() => true),
      sleep(waitMs).then(() => false),
    ]);
    if (done) {
      // The group leader is gone; make sure no child (workerd) outlives it.
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch { /* group already empty */ }
      this.child = null;
      live.delete(child.pid);
    }
  }
}
