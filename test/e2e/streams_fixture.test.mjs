/**
 * Stored data outlives code, for Durable Streams: today's server starts on a copy of the
 * Durable Object state that the first release (commit 6c31caf) left (`test/fixtures/do_6c31caf/`,
 * see do_fixture.test.mjs), whose databases hold no stream table (the `stream` part of
 * `edgelog_schema` is new). Each old log is no stream until created (404), then a PUT makes it
 * one over its records: they read back through `/v1/stream/` from its first available offset,
 * and an append takes the offset after the old end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { manifest, serveFixture } from "./fixture_6c31caf.mjs";

const { server } = serveFixture("edgelog-streams-fixture-");

/** @param {number} position */
const offset = (position) => String(position).padStart(16, "0");

for (const { name, bounds, records } of manifest.logs) {
  test(`6c31caf's log ${name} becomes a stream over its records`, async () => {
    const url = `${server.url}/v1/stream/${name}`;
    const before = await fetch(url);
    assert.equal(before.status, 404, await before.text());

    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(created.status, 201, await created.text());
    assert.equal(created.headers.get("stream-next-offset"), offset(bounds.end));

    const read = await fetch(`${url}?offset=-1`);
    assert.equal(read.status, 200);
    const expected = Buffer.concat(records.map((r) => Buffer.from(r.data, "base64")));
    assert.ok(
      Buffer.from(await read.arrayBuffer()).equals(expected),
      "the stream's bytes are the old records'",
    );
    assert.equal(read.headers.get("stream-next-offset"), offset(bounds.end));
    if (bounds.begin > 0) {
      const gone = await fetch(`${url}?offset=${offset(bounds.begin - 1)}`);
      assert.equal(gone.status, 410, await gone.text());
    }

    const appended = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "new",
    });
    assert.equal(appended.status, 204, await appended.text());
    assert.equal(appended.headers.get("stream-next-offset"), offset(bounds.end + 1));
  });
}
