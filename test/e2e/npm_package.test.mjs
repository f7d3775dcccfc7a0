/**
 * End to end: the npm package as a user gets it. `npm pack` (whose prepack builds dist/), an
 * empty project that installs the tarball, then its `edgelog` command and its client against a
 * real local server: `--help`; `append` and `read` back; a `tail` that survives a restart of
 * the server and prints the records appended after it; and an ESM script that imports
 * `@edgelog/edgelog/client` and tails without passing `ws` (Node 20 has no global WebSocket:
 * the package's client uses ws by itself).
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DevServer, ROOT } from "./server.mjs";

/** @type {DevServer} */
const server = new DevServer();
const work = mkdtempSync(join(tmpdir(), "edgelog-npm-"));
const project = join(work, "project");
const bin = join(project, "node_modules", ".bin", "edgelog");
/** Child processes still running, ended by `after`. @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
const env = { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" };

/**
 * Runs a command to its end.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, input?: string }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? project, env });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Runs a command and fails unless it exits 0.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, input?: string }} [options]
 * @returns {Promise<string>} its standard output
 */
async function ok(command, args, options) {
  const { code, stdout, stderr } = await run(command, args, options);
  assert.equal(code, 0, `${command} ${args.join(" ")} exited ${code}\n${stdout}\n${stderr}`);
  return stdout;
}

/**
 * The records of the CLI's human output (`offset TAB created TAB data` lines) as
 * `offset:data`.
 * @param {string} out
 * @returns {string[]}
 */
function records(out) {
  return out.split("\n").filter((line) => line !== "").map((line) => {
    const match = /^(\d+)\t\d{4}-\d\d-\d\dT[^\t]+Z\t(.*)$/.exec(line);
    assert(match, `Expected a record line, got "${line}"`);
    return `${match[1]}:${match[2]}`;
  });
}

// Node's test runner counts this hook in the first test's time: both get room for a busy machine
// (about 10 s alone: tsc, npm and wrangler dev starting together).
before(async () => {
  // Packing builds dist/ with tsc; the server starts meanwhile.
  const pack = join(work, "pack");
  mkdirSync(pack);
  mkdirSync(project);
  await Promise.all([
    ok("npm", ["pack", "--pack-destination", pack], { cwd: ROOT }),
    server.start(),
  ]);
  const tarballs = readdirSync(pack);
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.deepEqual(tarballs, [`edgelog-edgelog-${version}.tgz`]);
  await ok("npm", ["init", "-y"]);
  await ok("npm", [
    "install",
    join(pack, tarballs[0] ?? ""),
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
  ]);
}, { timeout: 120_000 });

after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await server.dispose();
  rmSync(work, { recursive: true, force: true });
});

test("`npx edgelog --help` prints the usage", { timeout: 120_000 }, async () => {
  const out = await ok("npx", ["edgelog", "--help"]);
  assert.match(out, /^Usage: edgelog <command> \[arguments\] \[flags\]\n/);
  assert.match(out, /\n {2}tail <log> /);
});

test("the installed `edgelog` appends lines and reads them back", { timeout: 60_000 }, async () => {
  const url = ["--url", server.url];
  const log = `npm/cli-${Date.now().toString(36)}`;
  await ok(bin, ["append", log, "--quiet", ...url], { input: "first\nsecond line\nthird\n" });
  assert.deepEqual(records(await ok(bin, ["read", log, ...url])), [
    "0:first",
    "1:second line",
    "2:third",
  ]);
});

test(
  "the installed `edgelog tail` survives a restart of the server",
  { timeout: 60_000 },
  async () => {
    const url = ["--url", server.url];
    const log = `npm/tail-${Date.now().toString(36)}`;
    await ok(bin, ["append", log, "--quiet", ...url], { input: "a\nb\n" });
    const tail = spawn(bin, ["tail", log, "--from", "0", "--limit", "4", ...url], { env });
    children.add(tail);
    let stdout = "";
    let stderr = "";
    tail.stdout.on("data", (chunk) => (stdout += chunk));
    tail.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => tail.once("close", resolve));
    const until = async (/** @type {() => boolean} */ condition, /** @type {string} */ what) => {
      const deadline = Date.now() + 20_000;
      while (!condition()) {
        assert(Date.now() < deadline, `Timed out waiting until ${what}\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until(() => records(stdout).length === 2, "the tail printed the first two records");
    await server.kill();
    await until(() => /reconnecting/.test(stderr), "the tail reports the lost connection");
    await server.start();
    const appended = Date.now();
    await ok(bin, ["append", log, "--quiet", ...url], { input: "c\nd\n" });
    const code = await exited;
    children.delete(tail);
    assert.equal(code, 0, stderr);
    assert.deepEqual(records(stdout), ["0:a", "1:b", "2:c", "3:d"]);
    // The tail is back within a second of the server answering (plus the append's own time).
    assert(Date.now() - appended < 5000, `tail ended ${Date.now() - appended} ms after the append`);
  },
);

test("a Node script imports @edgelog/edgelog/client and tails without passing ws", {
  timeout: 60_000,
}, async () => {
  const script = join(project, "script.mjs");
  writeFileSync(
    script,
    `import { LogClient } from "@edgelog/edgelog/client";
const [url, name] = process.argv.slice(2);
const log = new LogClient(url, name);
const offset = await log.append(new TextEncoder().encode("from node"));
const read = new TextDecoder().decode((await log.read(offset)).data);
const tail = log.tail(offset, { signal: AbortSignal.timeout(20000) });
const first = await tail.next();
await tail.return();
console.log(JSON.stringify({
  globalWebSocket: typeof globalThis.WebSocket,
  offset,
  read,
  tailed: [first.value.offset, new TextDecoder().decode(first.value.data)],
}));
`,
  );
  const out = await ok("node", [script, server.url, `npm/script-${Date.now().toString(36)}`]);
  const result = JSON.parse(out);
  const major = Number(process.versions.node.split(".")[0]);
  assert.deepEqual(result, {
    // Node 20 has no global WebSocket: the tail above ran on ws.
    globalWebSocket: major < 22 ? "undefined" : "function",
    offset: 0,
    read: "from node",
    tailed: [0, "from node"],
  });
});

test("a five-line Node script: startTestServer and LogClient from the installed package", {
  timeout: 90_000,
}, async () => {
  const script = join(project, "five_lines.mjs");
  writeFileSync(
    script,
    `import { startTestServer } from "@edgelog/edgelog/testing";
import { LogClient } from "@edgelog/edgelog/client";
const server = await startTestServer();
const log = new LogClient(server.url, "acme/five");
console.log(await log.append(new TextEncoder().encode("hi")), new TextDecoder().decode((await log.read(0)).data)), await server.close();
`,
  );
  assert.equal(readFileSync(script, "utf8").trimEnd().split("\n").length, 5);
  const out = await ok("node", [script]);
  // The last line is the script's; Miniflare and the Worker may print before it.
  assert.equal(out.trimEnd().split("\n").at(-1), "0 hi");
});

/** The README's block after `intro`, of the given info string. */
function readmeBlock(intro, info) {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf(intro);
  assert(at !== -1, `README has no "${intro}"`);
  const open = readme.indexOf("```" + info + "\n", at);
  const start = open + info.length + 4;
  return readme.slice(start, readme.indexOf("```", start));
}

test("README, Use it in your own Worker: its files are examples/my-worker's, as tested", () => {
  const example = join(ROOT, "examples", "my-worker");
  assert.equal(
    readmeBlock("its `wrangler.toml`:", "toml"),
    readFileSync(join(example, "wrangler.toml"), "utf8"),
  );
  assert.equal(
    readmeBlock("and its `src/index.ts`:", "ts ignore"),
    readFileSync(join(example, "src", "index.ts"), "utf8"),
  );
});

test("README, Test with Miniflare: the example runs as written at the repository root", {
  timeout: 90_000,
}, async () => {
  // dist/ is built (npm pack above); the package resolves its own name from the root.
  const script = join(ROOT, `.readme_test_server_${process.pid}.mjs`);
  writeFileSync(
    script,
    readmeBlock("Saved as `test_server.mjs` at the repository root:", "js ignore"),
  );
  try {
    const out = await ok("node", [script], { cwd: ROOT });
    assert.match(out, /^appended "hello" at offset 0, read back "hello"$/m);
  } finally {
    rmSync(script, { force: true });
  }
});
