/**
 * End to end: `npm start` (scripts/start.mjs) survives a busy debugger port. wrangler dev
 * takes the inspector port 9229 by default and probes it just before workerd binds it, so a
 * port taken in between ends in "The Workers runtime failed to start"; start.mjs passes a
 * free port the system chose instead (and prints it), and refuses a given port that is busy
 * with one clear line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { DevServer, ROOT } from "./server.mjs";

/**
 * Listens on 127.0.0.1:`port`; resolves the server, or undefined when the port is taken
 * already (by someone else: busy either way).
 * @param {number} port
 * @returns {Promise<import("node:net").Server | undefined>}
 */
function hold(port) {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(undefined));
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}

/** @type {Array<import("node:net").Server | undefined>} */
const held = [];
/** @type {DevServer | undefined} */
let server;
after(async () => {
  await server?.dispose();
  for (const h of held) h?.close();
});

test("`npm start` answers with the default debugger port 9229 busy, on a port it prints", {
  timeout: 90_000,
}, async () => {
  held.push(await hold(9229));
  server = new DevServer();
  await server.start();
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const line = server.output.find((l) => l.startsWith("edgelog: debugger"));
  const port = Number(/127\.0\.0\.1:([0-9]+)/.exec(line ?? "")?.[1]);
  assert(Number.isSafeInteger(port) && port !== 9229, `${line}\n${server.tail()}`);
  // The printed port is the one wrangler's inspector listens on.
  const version = await fetch(`http://127.0.0.1:${port}/json/version`);
  assert.equal(version.status, 200);
  assert.match(JSON.stringify(await version.json()), /wrangler/);
});

test("`npm start --inspector-port N` with N busy says so in one line, exit 2", async () => {
  const busy = await hold(0);
  held.push(busy);
  const address = busy?.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "scripts", "start.mjs"), "--port", "1", "--inspector-port", String(port)],
    { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { ...process.env, AUTH_SECRET: "" } },
  );
  assert.equal(result.status, 2, result.stderr);
  assert.equal(
    result.stderr,
    `The debugger port "${port}" is busy: give another --inspector-port, or none to let npm start choose a free one\n`,
  );
});
