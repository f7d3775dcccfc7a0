/**
 * The Durable Streams conformance suite (`@durable-streams/server-conformance-tests`, pinned)
 * against edgelog's `/v1/stream/` routes on the real local server (`wrangler dev`, started and
 * stopped by test/e2e/streams_global_setup.mjs). The package's own CLI finds no tests under
 * vitest 4, so its `dist/test-runner.js` (which reads `CONFORMANCE_TEST_URL`) is the one test
 * file here.
 *
 * The suite's `Fork - ` tests are left out (reported as skipped): edgelog has no forks; a fork
 * would read its source's prefix from another Durable Object, which the design of one log
 * per object does not hold (PROTOCOL.md, Durable Streams).
 *
 * Run: `./node_modules/.bin/vitest run -c vitest.streams.config.ts` (the whole suite, forks
 * included: `STREAMS_WITH_FORKS=1` before it).
 */
import { createServer } from "node:net";
import { defineConfig } from "vitest/config";

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

const port = process.env.STREAMS_TEST_PORT ?? String(await freePort());
process.env.STREAMS_TEST_PORT = port;

export default defineConfig({
  test: {
    include: ["node_modules/@durable-streams/server-conformance-tests/dist/test-runner.js"],
    // vitest leaves node_modules out by default; the one file is there.
    exclude: [],
    globalSetup: ["test/e2e/streams_global_setup.mjs"],
    env: { CONFORMANCE_TEST_URL: `http://127.0.0.1:${port}` },
    // Every test but the suite's forks (see above); STREAMS_WITH_FORKS=1 runs them too, to
    // measure the whole suite.
    ...(process.env.STREAMS_WITH_FORKS === "1" ? {} : { testNamePattern: /^(?!Fork - )/ }),
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
