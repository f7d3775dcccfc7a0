/**
 * Stored data outlives code: today's `SqliteStore` and `Log` open a database written by the
 * first release (commit 6c31caf, `test/fixtures/sqlite_6c31caf.db`, made by
 * `test/fixtures/write_6c31caf_fixture.ts`) and find every journal, origin, bound and record
 * (bytes and created time) that its manifest `sqlite_6c31caf.json` lists; then each journal
 * takes a new write at its old end, which is still there after the store is opened again.
 *
 * The checked-in file is never opened in place: opening it (WAL mode, and any migration of the
 * layout at start-up) would change it. Every test works on a copy in a temporary directory.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import {
  FutureOffsetError,
  Log,
  type LogRecord,
  nodeSqlite,
  OutOfRangeError,
  SqliteStore,
} from "../../mod.ts";

/** One record of the manifest: `created` in ms since the epoch, `data` in base64. */
type FixtureRecord = { offset: number; created: number; data: string };
/** One journal of the manifest. */
type FixtureJournal = {
  name: string;
  origin: number;
  begin: number;
  end: number;
  records: FixtureRecord[];
};
/** The manifest of the fixture: its journals, sorted by name. */
type Manifest = { journals: FixtureJournal[] };

const FIXTURE = new URL("../../test/fixtures/sqlite_6c31caf.db", import.meta.url);
const manifest: Manifest = JSON.parse(
  await Deno.readTextFile(new URL("../../test/fixtures/sqlite_6c31caf.json", import.meta.url)),
);

/** Bytes of a base64 string. */
function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Copies the fixture into a fresh temporary directory; returns the copy's path. */
async function copyFixture(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_fixture_" });
  const path = `${dir}/sqlite_6c31caf.db`;
  await Deno.copyFile(FIXTURE, path);
  return path;
}

/** Opens a store over the database file at `path` with today's driver. */
function openStore(path: string): SqliteStore {
  return new SqliteStore(nodeSqlite(new DatabaseSync(path)));
}

/** Runs `fn` on a store over a fresh copy of the fixture; removes the copy afterwards. */
async function withCopy(fn: (store: SqliteStore, path: string) => Promise<void>): Promise<void> {
  const path = await copyFixture();
  const store = openStore(path);
  try {
    await fn(store, path);
  } finally {
    store.close();
    await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  }
}

/** Asserts that `record` is the manifest's `expected`, bytes and created time. */
function assertRecord(record: LogRecord, expected: FixtureRecord, where: string): void {
  assert.equal(record.offset, expected.offset, `${where}: offset`);
  assert.equal(record.created.getTime(), expected.created, `${where}: created`);
  assert.deepEqual(new Uint8Array(record.data), fromBase64(expected.data), `${where}: data`);
}

Deno.test("the 6c31caf fixture's manifest describes a fixture worth checking", () => {
  // Guards the guard: a manifest that lost its content would make the tests below vacuous.
  const byName = new Map(manifest.journals.map((j) => [j.name, j]));
  assert.deepEqual([...byName.keys()], ["empty", "events", "orders"]);
  for (const j of manifest.journals) {
    assert.equal(j.records.length, j.end - j.begin, j.name);
    j.records.forEach((r, i) => assert.equal(r.offset, j.begin + i, j.name));
  }
  const orders = byName.get("orders")!;
  assert.ok(orders.origin === 100 && orders.begin > orders.origin, "orders: truncated");
  assert.ok(orders.records.some((r) => fromBase64(r.data).length > 1024), "a record > 1 KiB");
  assert.ok(byName.get("events")!.begin > 0, "events: retention purged records");
});

Deno.test("today's SqliteStore lists the journals a 6c31caf database holds", async () => {
  await withCopy(async (store) => {
    assert.deepEqual(store.names(), manifest.journals.map((j) => j.name));
  });
});

for (const expected of manifest.journals) {
  Deno.test(`today's Log reads every record of 6c31caf's journal "${expected.name}"`, async () => {
    await withCopy(async (store) => {
      const journal = store.open(expected.name);
      const log = new Log({ journal, maxSegmentSize: Infinity });
      const { name, origin, begin, end } = expected;
      assert.equal(journal.origin(), origin, `${name}: origin`);
      assert.deepEqual(await log.bounds(), { begin, end }, `${name}: bounds`);
      assert.deepEqual(await journal.bounds(), { begin, end }, `${name}: journal bounds`);
      assert.deepEqual(
        await log.range(),
        begin === end ? { earliest: -1, latest: -1 } : { earliest: begin, latest: end - 1 },
        `${name}: range`,
      );
      // One by one, and in one batch read: the same records, in order, nothing more.
      for (const record of expected.records) {
        assertRecord(await log.read(record.offset), record, `${name} read(${record.offset})`);
      }
      if (begin < end) {
        const batch: LogRecord[] = new Array(end - begin + 5);
        const count = await log.readBatch(begin, batch);
        assert.equal(count, end - begin, `${name}: readBatch count`);
        expected.records.forEach((r, i) => assertRecord(batch[i]!, r, `${name} batch[${i}]`));
      }
      if (begin > 0) await assert.rejects(log.read(begin - 1), OutOfRangeError);
      await assert.rejects(log.read(end), FutureOffsetError);
    });
  });

  Deno.test(`6c31caf's journal "${expected.name}" takes a producer's write once, after the migration`, async () => {
    await withCopy(async (store, path) => {
      const log = new Log({ journal: store.open(expected.name), maxSegmentSize: Infinity });
      const producer = { id: "after-6c31caf", epoch: 0, seq: 0 };
      const data = new Uint8Array([7]);
      assert.deepEqual(await log.write(data, { producer }), {
        offset: expected.end,
        count: 1,
        duplicate: false,
      });
      store.close();
      // The layout was brought to this release's version, once, and the state was kept.
      const raw = new DatabaseSync(path);
      try {
        const rows = raw.prepare("SELECT part, version FROM edgelog_schema").all();
        assert.deepEqual(rows.map((r) => ({ ...r })), [{ part: "journals", version: 3 }]);
      } finally {
        raw.close();
      }
      const again = openStore(path);
      try {
        const reopened = new Log({ journal: again.open(expected.name), maxSegmentSize: Infinity });
        assert.deepEqual(await reopened.write(data, { producer }), {
          offset: expected.end,
          count: 1,
          duplicate: true,
        });
        assert.deepEqual(await reopened.bounds(), { begin: expected.begin, end: expected.end + 1 });
      } finally {
        again.close();
      }
    });
  });

  Deno.test(`a new write to 6c31caf's journal "${expected.name}" continues at its end`, async () => {
    await withCopy(async (store, path) => {
      const data = new TextEncoder().encode(`after 6c31caf: ${expected.name}`);
      const log = new Log({ journal: store.open(expected.name), maxSegmentSize: Infinity });
      assert.equal(await log.write(data), expected.end);
      const batch = [new Uint8Array([0, 1]), new Uint8Array([2])];
      assert.equal(await log.writeBatch(batch), expected.end + 1);
      store.close();

      // Opened again: the old records and the new ones are all there.
      const again = openStore(path);
      try {
        const reopened = new Log({ journal: again.open(expected.name), maxSegmentSize: Infinity });
        assert.deepEqual(await reopened.bounds(), { begin: expected.begin, end: expected.end + 3 });
        for (const record of expected.records) {
          assertRecord(await reopened.read(record.offset), record, `${expected.name} reopened`);
        }
        assert.deepEqual((await reopened.read(expected.end)).data, data);
        assert.deepEqual((await reopened.read(expected.end + 2)).data, new Uint8Array([2]));
      } finally {
        again.close();
      }
    });
  });
}

Deno.test("6c31caf's journals take a truncation: gone at once, deleted by steps, kept on reopen", async () => {
  const expected = manifest.journals.find((journal) => journal.records.length >= 2)!;
  await withCopy(async (store, path) => {
    // A database of that release was created without incremental vacuum, and keeps its mode.
    const raw = new DatabaseSync(path);
    assert.equal(Object.values(raw.prepare("PRAGMA auto_vacuum").get()!)[0], 0);
    raw.close();
    const journal = store.open(expected.name);
    const log = new Log({ journal, maxSegmentSize: Infinity });
    const kept = expected.records[expected.records.length - 1]!;
    await log.truncate(kept.offset);
    await assert.rejects(log.read(kept.offset - 1), OutOfRangeError);
    while (journal.reclaim());
    store.close();

    const again = openStore(path);
    try {
      const reopened = new Log({ journal: again.open(expected.name), maxSegmentSize: Infinity });
      assert.deepEqual(await reopened.bounds(), { begin: kept.offset, end: expected.end });
      assertRecord(await reopened.read(kept.offset), kept, `${expected.name} truncated`);
      await assert.rejects(reopened.read(kept.offset - 1), OutOfRangeError);
      for (const other of manifest.journals.filter((j) => j.name !== expected.name)) {
        const otherLog = new Log({ journal: again.open(other.name), maxSegmentSize: Infinity });
        assert.deepEqual(await otherLog.bounds(), { begin: other.begin, end: other.end });
        for (const record of other.records) {
          assertRecord(await otherLog.read(record.offset), record, `${other.name} untouched`);
        }
      }
    } finally {
      again.close();
    }
  });
});
