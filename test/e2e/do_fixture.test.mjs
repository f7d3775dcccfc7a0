/**
 * Stored data outlives code, end to end: today's server (`wrangler dev`, open development mode)
 * starts on a copy of the Durable Object state that the first release (commit 6c31caf) left in
 * `wrangler dev --persist-to DIR` (`test/fixtures/do_6c31caf/`, made by
 * `test/fixtures/write_do_6c31caf_fixture.mjs`), and over HTTP finds every log of the manifest
 * `test/fixtures/do_6c31caf.json`: its bounds (`GET /bounds`, `/range`), its config (`GET /config`,
 * and a stored `maxRecordSize` enforced on append), every record by paging `GET /records` and by
 * `GET /records/{offset}` (bytes and created time), purged offsets answered 410; then appends
 * (one record, a batch) take the offsets after the old end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { manifest, serveFixture } from "./fixture_6c31caf.mjs";
import {
  BATCH_CONTENT_TYPE,
  DUPLICATE_HEADER,
  encodeBatch,
  logUrl,
  producerHeaders,
} from "./client.mjs";

/** Records per page of `GET /records`: small, so that every log takes several pages. */
const PAGE = 3;

const { server, persistTo } = serveFixture("edgelog-do-fixture-");

/**
 * A request to a route of the log `name`.
 * @param {string} name
 * @param {string} route e.g. `/records?from=3`
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 */
function call(name, route, init) {
  return fetch(`${logUrl(server.url, name)}${route}`, init);
}

/**
 * The JSON body of a `200` answer.
 * @param {Response} res
 * @param {string} what
 * @returns {Promise<any>}
 */
async function ok(res, what) {
  const body = await res.text();
  assert.equal(res.status, 200, `${what}: ${body}`);
  return JSON.parse(body);
}

/** @param {string} base64 @returns {Uint8Array} */
const bytes = (base64) => new Uint8Array(Buffer.from(base64, "base64"));

/**
 * Asserts that an NDJSON line of `GET /records` is the manifest's record (the message names
 * the offset and the lengths rather than printing whole records).
 * @param {import("./fixture_6c31caf.mjs").FixtureRecord | undefined} line
 * @param {import("./fixture_6c31caf.mjs").FixtureRecord} record
 */
function assertLine(line, record) {
  assert.ok(line !== undefined, `record ${record.offset}: missing`);
  assert.equal(line.offset, record.offset, "offset");
  assert.equal(line.created, record.created, `record ${record.offset}: created`);
  assert.ok(
    line.data === record.data,
    `record ${record.offset}: data differs (${bytes(line.data).length} bytes, expected ` +
      `${bytes(record.data).length})`,
  );
}

test("the manifest describes a fixture worth checking", () => {
  // Guards the guard: a manifest that lost its content would make the tests below vacuous.
  const byName = new Map(manifest.logs.map((log) => [log.name, log]));
  assert.deepEqual([...byName.keys()], ["acme/events", "acme/orders", "globex/settings"]);
  for (const log of manifest.logs) {
    assert.equal(log.records.length, log.bounds.end - log.bounds.begin, log.name);
    assert.ok(existsSync(join(persistTo, log.file)), `${log.name}: ${log.file}`);
  }
  const orders =
    /** @type {import("./fixture_6c31caf.mjs").FixtureLog} */ (byName.get("acme/orders"));
  assert.ok(orders.configStored && orders.bounds.begin > 0, "orders: configured and purged");
  assert.ok(orders.records.some((r) => bytes(r.data).length > 1024), "a record > 1 KiB");
});

for (const expected of manifest.logs) {
  const { name, bounds, records } = expected;

  test(`today's server finds 6c31caf's log ${name}: bounds, config, every record`, async () => {
    assert.deepEqual(await ok(await call(name, "/bounds"), "bounds"), bounds);
    assert.deepEqual(
      await ok(await call(name, "/range"), "range"),
      bounds.begin === bounds.end
        ? { earliest: -1, latest: -1 }
        : { earliest: bounds.begin, latest: bounds.end - 1 },
    );
    // The fields 6c31caf had keep their values; fields added later may join them.
    const config = await ok(await call(name, "/config"), "config");
    for (const [key, value] of Object.entries(expected.config)) {
      assert.deepEqual(config[key], value, `config.${key}`);
    }

    // GET /records in pages of PAGE, the first without `from` (it starts at the beginning).
    /** @type {import("./fixture_6c31caf.mjs").FixtureRecord[]} */
    const paged = [];
    let next = bounds.begin;
    for (let first = true; next < bounds.end; first = false) {
      const res = await call(name, `/records?${first ? "" : `from=${next}&`}limit=${PAGE}`);
      const body = await res.text();
      assert.equal(res.status, 200, body);
      const lines = body.split("\n").filter((line) => line !== "").map((l) => JSON.parse(l));
      assert.ok(lines.length > 0 && lines.length <= PAGE, `page at ${next}`);
      paged.push(...lines);
      next = Number(res.headers.get("edgelog-next-offset"));
      assert.equal(next, lines[lines.length - 1].offset + 1, "Edgelog-Next-Offset");
    }
    assert.deepEqual(paged.map((r) => r.offset), records.map((r) => r.offset), "offsets");
    records.forEach((record, i) => assertLine(paged[i], record));

    for (const record of records) {
      const res = await call(name, `/records/${record.offset}`);
      const data = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.status, 200, `record ${record.offset}`);
      assert.equal(res.headers.get("edgelog-offset"), String(record.offset));
      assert.equal(res.headers.get("edgelog-created"), String(record.created), "created");
      assert.ok(
        Buffer.from(data).toString("base64") === record.data,
        `record ${record.offset}: bytes differ (${data.length}, expected ${
          bytes(record.data).length
        })`,
      );
    }
    if (bounds.begin > 0) {
      const purged = await call(name, `/records/${bounds.begin - 1}`);
      assert.equal(purged.status, 410, await purged.text());
    }
    const future = await call(name, `/records/${bounds.end}`);
    assert.equal(future.status, 404, await future.text());
  });

  test(`appends to 6c31caf's log ${name} continue at its end`, async () => {
    const maxRecordSize = /** @type {number} */ (expected.config.maxRecordSize);
    if (expected.configStored) {
      // The stored limit is the one in force, not only the one reported.
      const tooLarge = await call(name, "/records", {
        method: "POST",
        body: new Uint8Array(maxRecordSize + 1),
      });
      assert.equal(tooLarge.status, 413, await tooLarge.text());
    }
    const data = new TextEncoder().encode(`after 6c31caf`.slice(0, maxRecordSize));
    const appended = await ok(await call(name, "/records", { method: "POST", body: data }), "POST");
    assert.deepEqual(appended, { offset: bounds.end });
    const batch = await ok(
      await call(name, "/batch", {
        method: "POST",
        body: encodeBatch([new Uint8Array([0, 1]), new Uint8Array([2])]),
        headers: { "content-type": BATCH_CONTENT_TYPE },
      }),
      "batch",
    );
    assert.deepEqual(batch, { first: bounds.end + 1, last: bounds.end + 2, count: 2 });
    const { end } = await ok(await call(name, "/bounds"), "bounds after");
    assert.equal(end, bounds.end + 3);
    const read = await call(name, `/records/${bounds.end}`);
    assert.deepEqual(new Uint8Array(await read.arrayBuffer()), data);
    // The object migrated its storage at start-up: producers work, and a retry is known.
    const producer = { id: "after-6c31caf", epoch: 0, seq: 0 };
    for (const duplicate of [null, "true"]) {
      const res = await call(name, "/records", {
        method: "POST",
        body: data,
        headers: producerHeaders(producer),
      });
      assert.deepEqual(await ok(res, "producer POST"), { offset: bounds.end + 3 });
      assert.equal(res.headers.get(DUPLICATE_HEADER), duplicate);
    }
  });
}

test("a 6c31caf log takes a truncation: the records before are gone at once, the rest kept", async () => {
  const expected =
    /** @type {import("./fixture_6c31caf.mjs").FixtureLog} */ (manifest.logs.find((log) =>
      log.records.length > 1
    ));
  const { name, records } = expected;
  const kept = /** @type {import("./fixture_6c31caf.mjs").FixtureRecord} */ (records.at(-1));
  // The appends of the test above moved the end; the truncation keeps it.
  const { end } = await ok(await call(name, "/bounds"), "bounds");
  const bounds = await ok(
    await call(name, `/truncate?before=${kept.offset}`, { method: "POST" }),
    "truncate",
  );
  assert.deepEqual(bounds, { begin: kept.offset, end });
  const purged = await call(name, `/records/${kept.offset - 1}`);
  assert.equal(purged.status, 410, await purged.text());
  const res = await call(name, `/records?from=${kept.offset}&limit=1`);
  const [line] = (await res.text()).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assertLine(line, kept);
});
