/**
 * vitest globalSetup of the Durable Streams conformance suite (vitest.streams.config.ts):
 * starts the real local server (`npm start`: `wrangler dev`, open development mode, no token)
 * on the port the config chose, and stops it, with its whole process tree, when the run ends.
 *
 * @module
 */
import { DevServer } from "./server.mjs";

/** @type {DevServer | undefined} */
let server;

export async function setup() {
  server = new DevServer({ port: Number(process.env.STREAMS_TEST_PORT) });
  await server.start();
}

export async function teardown() {
  await server?.dispose();
}
