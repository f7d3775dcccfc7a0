#!/usr/bin/env node
// `npm start`: runs edgelog locally with `wrangler dev` on 127.0.0.1 (port 8787 unless
// `--port N`; other arguments go to wrangler, e.g. `--persist-to DIR`).
//
// With AUTH_SECRET set (in the environment, or in .dev.vars / .env as wrangler reads them),
// every request needs a token (`npm run -s token -- ...`). Without one, the server runs in
// OPEN DEVELOPMENT MODE: it passes EDGELOG_OPEN_DEV=true, and every request is accepted
// without a token. Both are announced before wrangler starts. AUTH_SECRET in the environment
// wins over the files; set empty (`AUTH_SECRET= npm start`), it means no secret.
//
// The debugger (inspector) port: wrangler dev takes 9229 by default, probing it just before
// workerd binds it, so a port taken in between (another wrangler dev starting at the same
// time, a debugger) ends in "The Workers runtime failed to start" and a stack trace. Unless
// `--inspector-port N` is given, a free port chosen by the system is passed instead (and
// printed); a given port that is busy is refused here with a clear message.
//
// The banner also prints the web console's address (`/console/`; wrangler.toml's [build]
// builds it before the server starts).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/**
 * The value of AUTH_SECRET in a dotenv file, or undefined.
 * @param {string} path
 * @returns {string | undefined}
 */
function secretIn(path) {
  if (!existsSync(path)) return undefined;
  return parseEnv(readFileSync(path, "utf8")).AUTH_SECRET;
}

/**
 * Listens on 127.0.0.1:`port` (0: a port the system chooses) and closes again.
 * @param {number} port
 * @returns {Promise<number | undefined>} the port, or undefined when it is taken
 */
function tryPort(port) {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const chosen = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => ok(chosen));
    });
  });
}

const args = process.argv.slice(2);
let port = "8787";
/** @type {string | undefined} */
let inspectorPort;
/** @type {string[]} */
const rest = [];
for (let i = 0; i < args.length; i++) {
  const arg = /** @type {string} */ (args[i]);
  if (arg === "--port") port = args[++i] ?? port;
  else if (arg.startsWith("--port=")) port = arg.slice("--port=".length);
  else if (arg === "--inspector-port") inspectorPort = args[++i] ?? "";
  else if (arg.startsWith("--inspector-port=")) {
    inspectorPort = arg.slice("--inspector-port=".length);
  } else if (arg === "--ip" || arg.startsWith("--ip=")) {
    console.error("npm start always listens on 127.0.0.1 only");
    process.exit(2);
  } else rest.push(arg);
}

if (inspectorPort === undefined) {
  inspectorPort = String(await tryPort(0));
} else {
  const wanted = Number(inspectorPort);
  if (!/^[0-9]+$/.test(inspectorPort) || wanted < 1 || wanted > 65535) {
    console.error(`Expected --inspector-port to be a port number, got "${inspectorPort}"`);
    process.exit(2);
  }
  if (await tryPort(wanted) === undefined) {
    console.error(
      `The debugger port "${wanted}" is busy: give another --inspector-port, or none to let npm start choose a free one`,
    );
    process.exit(2);
  }
}

// Wrangler reads .dev.vars, or .env when there is no .dev.vars, next to wrangler.toml.
const devVars = [".dev.vars", ".env"].map((f) => join(ROOT, f)).find((f) => existsSync(f));
const fromEnv = process.env.AUTH_SECRET;
const fromFile = fromEnv !== undefined || devVars === undefined
  ? undefined
  : secretIn(devVars) || undefined;

/** @type {string[]} */
const extra = [];
/** @type {string | undefined} */
let secretDir;
if (fromEnv !== undefined) {
  // An env file of our own gives wrangler the secret without putting it on a command line:
  // the vars of .dev.vars, then AUTH_SECRET from the environment (the last one wins; an
  // empty one overrides a secret in the file).
  // Single quotes first: dotenv takes what is inside them literally.
  const quote = ["'", "`", '"'].find((q) => !fromEnv.includes(q) && !fromEnv.includes("\n"));
  if (quote === undefined) {
    console.error("AUTH_SECRET must be one line without all three quote characters");
    process.exit(2);
  }
  secretDir = mkdtempSync(join(tmpdir(), "edgelog-secret-"));
  const file = join(secretDir, "vars.env");
  const base = devVars === undefined ? "" : `${readFileSync(devVars, "utf8")}\n`;
  writeFileSync(file, `${base}AUTH_SECRET=${quote}${fromEnv}${quote}\n`, { mode: 0o600 });
  chmodSync(secretDir, 0o700);
  extra.push("--env-file", file);
}
if (fromEnv) {
  console.log("edgelog: AUTH_SECRET from the environment: every request needs a token");
} else if (fromFile !== undefined) {
  const name = devVars === undefined ? "" : devVars.slice(ROOT.length + 1);
  console.log(`edgelog: AUTH_SECRET from ${name}: every request needs a token`);
} else {
  extra.push("--var", "EDGELOG_OPEN_DEV:true");
  const lines = [
    "edgelog: OPEN DEVELOPMENT MODE",
    `No AUTH_SECRET (${
      fromEnv === "" ? "empty in the environment" : ".dev.vars or environment"
    }): every request is accepted`,
    `without a token. Listening on http://127.0.0.1:${port} only.`,
    "To require tokens, put AUTH_SECRET=<32+ random bytes> in .dev.vars.",
    "With a secret, the first segment of a log name is its tenant: a token",
    "for tenant acme covers the acme/... logs. A single-segment name (demo)",
    "needs a token for that exact name:",
    "  npm run -s token -- --log demo --rights read,append",
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "!".repeat(width + 6);
  console.log([bar, ...lines.map((l) => `!! ${l.padEnd(width)} !!`), bar].join("\n"));
}

console.log(`edgelog: web console on http://127.0.0.1:${port}/console/`);
console.log(`edgelog: debugger (chrome://inspect) on 127.0.0.1:${inspectorPort}`);

const removeSecret = () => {
  if (secretDir !== undefined) rmSync(secretDir, { recursive: true, force: true });
  secretDir = undefined;
};

const child = spawn(
  WRANGLER,
  [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    "--inspector-port",
    inspectorPort,
    ...extra,
    ...rest,
  ],
  {
    cwd: ROOT,
    stdio: ["inherit", "pipe", "inherit"],
    env: {
      ...process.env,
      CI: "true",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
  },
);
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  // Wrangler has read the env file once it is ready: the secret need not stay on disk.
  if (String(chunk).includes("Ready on")) removeSecret();
});
// Ctrl-C reaches wrangler with the rest of the process group; other signals are passed on.
process.on("SIGINT", () => {});
for (const signal of /** @type {const} */ (["SIGTERM", "SIGHUP"])) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  removeSecret();
  process.exit(code ?? (signal === null ? 1 : 128));
});
