/**
 * Runs the Durable Streams reference server (`@durable-streams/server`, a devDependency of the
 * bench) in a process of its own, so that `bench/load.mjs` measures its CPU apart from the
 * load generator's, as it does for workerd.
 *
 * Usage: `node bench/reference_server.mjs memory|file`. It prints one JSON line
 * `{ "url": "http://127.0.0.1:PORT" }` once it listens, and stops (removing its data
 * directory) when its standard input closes. `file` keeps the streams in a temporary
 * directory (log files and LMDB, the package's `dataDir` mode); `memory` keeps them in memory.
 * `REFERENCE_SERVER_MODULE` may name the package's entry module to load instead of the
 * installed one.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const mode = process.argv[2];
if (mode !== "memory" && mode !== "file") {
  console.error("usage: node bench/reference_server.mjs memory|file");
  process.exit(2);
}
const { DurableStreamTestServer } = await import(
  process.env.REFERENCE_SERVER_MODULE ?? "@durable-streams/server"
);
const dataDir = mode === "file" ? mkdtempSync(join(tmpdir(), "edgelog-reference-")) : undefined;
// Its logging goes to stderr: stdout carries only the line load.mjs reads.
console.info = console.error;
const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", dataDir });
const url = await server.start();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.stdin.resume();
process.stdin.on("close", async () => {
  await server.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
