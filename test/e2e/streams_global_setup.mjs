/**
 * vitest globalSetup of the Durable Streams conformance suite (vitest.streams.config.ts):
 * starts the real local server (`npm start`: `wrangler dev`, open development mode, no token)
 * on the port the config chose, and stops it, with its whole process tree, when the run ends.
 * The server's lines that speak of an error or an exception are printed at the end, so that
 * check.sh's "no runtime error lines" sees them.
 *
 * @module
 */
import { DevServer } from "./server.mjs";

/** @type {DevServer | undefined} */
let server;
/** @type {string[]} */
const errorLines = [];

export async function setup() {
  server = new DevServer({ port: Number(process.env.STREAMS_TEST_PORT) });
  await server.start();
  /** @param {Buffer} chunk */
  const keep = (chunk) => {
    for (const line of chunk.toString().split("\n")) {
      // Not the request lines ("[wrangler:info] GET /v1/stream/error-test-1 404 ..."): a
      // path may hold the word.
      if (/error|exception/i.test(line) && !/\[wrangler:info\] [A-Z]+ \//.test(line)) {
        errorLines.push(line);
      }
    }
  };
  server.child?.stdout?.on("data", keep);
  server.child?.stderr?.on("data", keep);
}

export async function teardown() {
  await server?.dispose();
  console.log(`The server printed ${errorLines.length} lines of errors or exceptions`);
  for (const line of errorLines) console.log(`server: ${line}`);
}
