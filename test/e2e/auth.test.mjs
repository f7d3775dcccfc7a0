/**
 * End to end, against the real local server as `npm start` runs it: without AUTH_SECRET it
 * announces open development mode and needs no token; with one, it refuses requests without
 * a valid token, and a token from `npm run -s token` works over HTTP and, carried in the
 * WebSocket subprotocol offer, for a tail (the 101 selects the subprotocol `edgelog`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import WebSocket from "ws";
import { decodeTailFrame } from "./client.mjs";
import { DevServer, ROOT } from "./server.mjs";

const SECRET = "an e2e secret that is long enough!!";
const root = process.env.EDGELOG_ROOT ?? ROOT;

/** @type {DevServer[]} */
const servers = [];
after(async () => {
  for (const s of servers) await s.dispose();
});

/**
 * Mints a token with `npm run -s token`, as the README does.
 * @param {string[]} args
 * @returns {string}
 */
function mint(args) {
  const run = spawnSync("npm", ["run", "-s", "token", "--", ...args], {
    cwd: root,
    env: { ...process.env, AUTH_SECRET: SECRET },
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

test("without AUTH_SECRET: open development mode, announced, no token needed", {
  timeout: 90_000,
}, async () => {
  const server = new DevServer();
  servers.push(server);
  await server.start();
  assert.match(server.tail(), /OPEN DEVELOPMENT MODE/);
  assert.match(server.tail(), /Ready on http:\/\/127\.0\.0\.1:/);
  const res = await fetch(`${server.url}/logs/e2e/open/records`, { method: "POST", body: "x" });
  assert.equal(res.status, 200);
  await server.stop();
});

test("with AUTH_SECRET: 401 without a token; a minted token works over HTTP and WebSocket", {
  timeout: 90_000,
}, async () => {
  const server = new DevServer({ secret: SECRET });
  servers.push(server);
  await server.start();
  assert.doesNotMatch(server.tail(), /OPEN DEVELOPMENT MODE/);
  const log = `${server.url}/logs/e2e/secret`;

  const anonymous = await fetch(`${log}/records`, { method: "POST", body: "x" });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="edgelog"');
  assert.equal((await anonymous.json()).error.code, "UNAUTHORIZED");

  const token = mint(["--tenant", "e2e", "--rights", "read,append"]);
  const auth = { authorization: `Bearer ${token}` };

  // A refused POST whose body was left unread used to break wrangler dev's next request
  // ("Your worker restarted mid-request", 503) about one time in ten.
  for (let i = 0; i < 60; i++) {
    const refused = await fetch(`${log}-drain/records`, { method: "POST", body: "x" });
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    const ok = await fetch(`${log}-drain/records`, { method: "POST", body: "y", headers: auth });
    const text = await ok.text();
    assert.equal(ok.status, 200, `round ${i}: ${text}`);
  }
  const append = await fetch(`${log}/records`, { method: "POST", body: "hello", headers: auth });
  const appended = await append.text();
  assert.equal(append.status, 200, `${appended}\n${server.tail()}`);
  assert.deepEqual(JSON.parse(appended), { offset: 0 });
  const other = await fetch(`${server.url}/logs/acme/secret/bounds`, { headers: auth });
  assert.equal(other.status, 403);
  await other.body?.cancel();

  const ws = new WebSocket(`${server.wsUrl}/logs/e2e/secret/tail?from=0`, [
    "edgelog",
    `edgelog.bearer.${token}`,
  ]);
  const frame = await new Promise((ok, fail) => {
    ws.once("message", (data) => ok(/** @type {Buffer} */ (data)));
    ws.once("error", fail);
    ws.once("unexpected-response", (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
  });
  assert.equal(ws.protocol, "edgelog");
  const [record] = decodeTailFrame(new Uint8Array(frame.buffer, frame.byteOffset, frame.length));
  assert.equal(new TextDecoder().decode(record?.data), "hello");
  ws.close(1000);

  const refused = new WebSocket(`${server.wsUrl}/logs/e2e/secret/tail`, ["edgelog"]);
  const status = await new Promise((ok) => {
    refused.once("unexpected-response", (_req, res) => ok(res.statusCode));
    refused.once("error", () => {});
  });
  assert.equal(status, 401);
  await server.stop();
});
