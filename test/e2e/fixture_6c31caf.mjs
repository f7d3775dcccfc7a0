/**
 * The Durable Object state that the first release (commit 6c31caf) left in
 * `wrangler dev --persist-to DIR` (`test/fixtures/do_6c31caf/`, made by
 * `test/fixtures/write_do_6c31caf_fixture.mjs`), served by today's server: the tests that open
 * it share this set-up. The checked-in state is never used in place: the server opens (and may
 * migrate) its databases, so it runs on a copy in a temporary directory, removed afterwards.
 *
 * @module
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { DevServer } from "./server.mjs";

/** @typedef {{ offset: number, created: number, data: string }} FixtureRecord */
/**
 * @typedef {{
 *   name: string,
 *   file: string,
 *   bounds: { begin: number, end: number },
 *   config: Record<string, unknown>,
 *   configStored: boolean,
 *   records: FixtureRecord[],
 * }} FixtureLog
 */

/** The fixture's folder. */
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/**
 * What the fixture holds: every log with its bounds, config and records.
 * @type {{ logs: FixtureLog[] }}
 */
export const manifest = JSON.parse(readFileSync(join(FIXTURES, "do_6c31caf.json"), "utf8"));

/**
 * A server over a copy of the fixture, started before the file's tests and stopped (its copy
 * removed) after them: call it at the top level of a test file.
 * @param {string} prefix the temporary directory's name prefix
 * @returns {{ server: DevServer, persistTo: string }} the server and the copy it runs on
 */
export function serveFixture(prefix) {
  const persistTo = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(FIXTURES, "do_6c31caf"), persistTo, { recursive: true });
  const server = new DevServer({ persistTo });
  before(async () => {
    await server.start();
  });
  after(async () => {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });
  return { server, persistTo };
}
