/**
 * `@edgelog/edgelog/testing` under Node 20, compiled as the npm package compiles it: tsc
 * turns `testing/mod.ts` and the client into JavaScript in a temporary folder that mirrors the
 * source tree (`testing/mod.js`, `src/client/mod.js`, ...), and `scripts/bundle_worker.mjs`
 * writes the Worker bundle at the folder's top (`worker.bundle.js`, `worker.bundle.json`),
 * which is where the compiled module looks for it (`../` of `testing/`). Then a user's
 * "five-line script" runs in its own Node process, and this file drives the module itself:
 * a tail through the `ws` package's WebSocket (Node 20 has no global one), and `close()` twice.
 *
 * (test/e2e/testing_server_test.ts tests every option against the TypeScript source under Deno.)
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import WebSocket from "ws";
import { ROOT } from "./server.mjs";

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "edgelog-testing-pkg-"));
/** @type {any} */
let testing;
/** @type {any} */
let client;

before(async () => {
  await run(join(ROOT, "node_modules", ".bin", "tsc"), [
    "--noCheck",
    "--rewriteRelativeImportExtensions",
    "--allowImportingTsExtensions",
    "--rootDir",
    ".",
    "--outDir",
    out,
    "--module",
    "es2022",
    "--target",
    "es2022",
    "--moduleResolution",
    "bundler",
    "--skipLibCheck",
    "testing/mod.ts",
    "src/client/mod.ts",
  ], { cwd: ROOT });
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  // miniflare, jose: the package's dependencies, installed beside it.
  symlinkSync(join(ROOT, "node_modules"), join(out, "node_modules"), "dir");
  testing = await import(pathToFileURL(join(out, "testing", "mod.js")).href);
  client = await import(pathToFileURL(join(out, "src", "client", "mod.js")).href);
});

after(() => {
  rmSync(out, { recursive: true, force: true });
});

test("Without the bundle, startTestServer() rejects naming the command that builds it", async () => {
  await assert.rejects(testing.startTestServer(), (e) => {
    assert(e instanceof Error);
    assert.match(e.message, /worker\.bundle\.js/);
    assert.match(e.message, /node scripts\/bundle_worker\.mjs/);
    return true;
  });
});

test("A five-line Node script starts a server, appends and reads back", async () => {
  await run(process.execPath, [join(ROOT, "scripts", "bundle_worker.mjs"), out], { cwd: ROOT });
  const script = join(out, "five_lines.mjs");
  writeFileSync(
    script,
    `import { startTestServer } from "./testing/mod.js";
import { LogClient } from "./src/client/mod.js";
const server = await startTestServer();
const log = new LogClient(server.url, "acme/demo");
console.log(await log.append(new TextEncoder().encode("hello")), new TextDecoder().decode((await log.read(0)).data));
await server.close();
`,
  );
  const { stdout } = await run(process.execPath, [script], { cwd: out });
  assert.match(stdout, /^0 hello$/m);
});

test("From Node, a LogClient tail with the ws package follows the test server; close() twice is harmless", async () => {
  const server = await testing.startTestServer();
  try {
    const log = new client.LogClient(server.url, "acme/followed", { WebSocket });
    const enc = (/** @type {string} */ s) => new TextEncoder().encode(s);
    await log.append(enc("first"));
    const controller = new AbortController();
    /** @type {string[]} */
    const seen = [];
    /** @type {Promise<number> | undefined} */
    let live;
    for await (const record of log.tail(0, { signal: controller.signal })) {
      seen.push(`${record.offset}:${new TextDecoder().decode(record.data)}`);
      // The frame may come before the append's answer: it is awaited before the server stops.
      if (seen.length === 1) live = log.append(enc("live"));
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, ["0:first", "1:live"]);
    assert.equal(await live, 1);
  } finally {
    await server.close();
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/logs/acme/followed/bounds`));
});
