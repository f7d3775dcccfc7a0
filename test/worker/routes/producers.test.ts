// Exactly once over HTTP: the Producer-* headers on POST /records and /batch (PROTOCOL.md,
// Exactly once: producers), every answer of the table, and the races of issue 10.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Log } from "../../../src/core/log.ts";
import { SqliteStore } from "../../../src/drivers/sqlite_store.ts";
import { ObjectJournal } from "../../../worker/object/object_journal.ts";
import { durableObjectSql } from "../../../worker/object/sql_adapter.ts";
import type { Producer } from "../../../src/core/producer.ts";
import { producerHeaders } from "../../../src/protocol/producer.ts";
import { encodeBatch } from "../../../src/protocol/wire.ts";
import { bodyText, decodeBatchHelper } from "../ndjson.ts";
import { BATCH, boundsOf, bytes, call, expectError, text, uniqueName } from "../helpers.ts";

const producer = (seq: number, epoch = 0, id = "writer-1"): Producer => ({ id, epoch, seq });

function appendAs(name: string, who: Producer, body: string): Promise<Response> {
  return call(`/logs/${name}/records`, {
    method: "POST",
    headers: producerHeaders(who),
    body: bytes(body),
  });
}

function batchAs(name: string, who: Producer, records: string[]): Promise<Response> {
  return call(`/logs/${name}/batch`, {
    method: "POST",
    headers: { ...BATCH, ...producerHeaders(who) },
    body: encodeBatch(records.map(bytes)),
  });
}

/** Every record of a small log, as text. */
async function contents(name: string): Promise<string[]> {
  const res = await call(`/logs/${name}/records?from=0&limit=1000`);
  return decodeBatchHelper(await bodyText(res)).map((record) => text(record.data));
}

describe("POST /records with a producer", () => {
  it("writes the next seq, echoes the producer, and answers a retry with the original offset", async () => {
    const name = uniqueName();
    const first = await appendAs(name, producer(0), "a");
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ offset: 0 });
    expect(first.headers.get("producer-epoch")).toBe("0");
    expect(first.headers.get("producer-seq")).toBe("0");
    expect(first.headers.get("edgelog-duplicate")).toBeNull();

    const retry = await appendAs(name, producer(0), "a");
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ offset: 0 });
    expect(retry.headers.get("edgelog-offset")).toBe("0");
    expect(retry.headers.get("edgelog-duplicate")).toBe("true");

    const next = await appendAs(name, producer(1), "b");
    expect(await next.json()).toEqual({ offset: 1 });
    expect(next.headers.get("edgelog-duplicate")).toBeNull();
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 2 });
    expect(await contents(name)).toEqual(["a", "b"]);
  });

  it("answers a retry of an older seq as a duplicate with offset -1, writing nothing", async () => {
    const name = uniqueName();
    for (let seq = 0; seq < 3; seq++) await (await appendAs(name, producer(seq), `r${seq}`)).text();
    const old = await appendAs(name, producer(1), "r1");
    expect(old.status).toBe(200);
    expect(await old.json()).toEqual({ offset: -1 });
    expect(old.headers.get("edgelog-duplicate")).toBe("true");
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 3 });
  });

  it("a gap is 409 PRODUCER_SEQ_GAP with the expected and received seq, and writes nothing", async () => {
    const name = uniqueName();
    await (await appendAs(name, producer(0), "a")).text();
    const res = await appendAs(name, producer(2), "c");
    expect(res.headers.get("producer-expected-seq")).toBe("1");
    expect(res.headers.get("producer-received-seq")).toBe("2");
    const error = await expectError(res, 409, "PRODUCER_SEQ_GAP");
    expect(error).toMatchObject({ expectedSeq: 1, receivedSeq: 2 });
    // A producer the log does not know must start at 0.
    const unknown = await appendAs(name, producer(4, 0, "other"), "x");
    expect(await expectError(unknown, 409, "PRODUCER_SEQ_GAP")).toMatchObject({
      expectedSeq: 0,
      receivedSeq: 4,
    });
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 1 });
    // Nothing changed: the next seq is still 1.
    expect(await (await appendAs(name, producer(1), "b")).json()).toEqual({ offset: 1 });
  });

  it("an older epoch is 403 STALE_EPOCH with the current epoch; a newer one takes over at seq 0", async () => {
    const name = uniqueName();
    await (await appendAs(name, producer(0, 0), "old-0")).text();
    const takeover = await appendAs(name, producer(0, 1), "new-0");
    expect(await takeover.json()).toEqual({ offset: 1 });
    const fenced = await appendAs(name, producer(1, 0), "old-1");
    expect(fenced.headers.get("producer-epoch")).toBe("1");
    expect(await expectError(fenced, 403, "STALE_EPOCH")).toMatchObject({
      currentEpoch: 1,
      epoch: 0,
    });
    const badStart = await appendAs(name, producer(3, 2), "x");
    expect(await expectError(badStart, 409, "PRODUCER_SEQ_GAP")).toMatchObject({
      expectedSeq: 0,
      receivedSeq: 3,
    });
    expect(await contents(name)).toEqual(["old-0", "new-0"]);
  });

  it("invalid or partial producer headers are 400 and write nothing", async () => {
    const name = uniqueName();
    const cases: Array<Record<string, string>> = [
      { "producer-id": "p" },
      { "producer-id": "p", "producer-epoch": "0" },
      { "producer-epoch": "0", "producer-seq": "0" },
      { "producer-id": "p", "producer-epoch": "x", "producer-seq": "0" },
      { "producer-id": "p", "producer-epoch": "0", "producer-seq": "-1" },
      { "producer-id": "p", "producer-epoch": "0", "producer-seq": "1.5" },
      { "producer-id": "p", "producer-epoch": "99999999999999999", "producer-seq": "0" },
      { "producer-id": "", "producer-epoch": "0", "producer-seq": "0" },
      { "producer-id": "p".repeat(257), "producer-epoch": "0", "producer-seq": "0" },
    ];
    for (const headers of cases) {
      const res = await call(`/logs/${name}/records`, { method: "POST", headers, body: "x" });
      await expectError(res, 400, "BAD_REQUEST");
    }
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
  });

  it("a retry of an append that had an expected offset is a duplicate, not a conflict", async () => {
    const name = uniqueName();
    const headers = { ...producerHeaders(producer(0)), "edgelog-expected-offset": "0" };
    const first = await call(`/logs/${name}/records`, { method: "POST", headers, body: "a" });
    expect(await first.json()).toEqual({ offset: 0 });
    const retry = await call(`/logs/${name}/records`, { method: "POST", headers, body: "a" });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("edgelog-duplicate")).toBe("true");
    expect(await retry.json()).toEqual({ offset: 0 });
    // A conflicting append changes nothing: its seq can be sent again at the right offset.
    const taken = await call(`/logs/${name}/records`, {
      method: "POST",
      headers: { ...producerHeaders(producer(1)), "edgelog-expected-offset": "0" },
      body: "b",
    });
    await expectError(taken, 409, "CONFLICT");
    const again = await call(`/logs/${name}/records`, {
      method: "POST",
      headers: { ...producerHeaders(producer(1)), "edgelog-expected-offset": "1" },
      body: "b",
    });
    expect(await again.json()).toEqual({ offset: 1 });
  });

  it("the same write sent many times at once is stored once, every answer with its offset", async () => {
    const name = uniqueName();
    await (await call(`/logs/${name}/records`, { method: "POST", body: "before" })).text();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => appendAs(name, producer(0), "once")),
    );
    const duplicates: Array<string | null> = [];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ offset: 1 });
      duplicates.push(res.headers.get("edgelog-duplicate"));
    }
    expect(duplicates.filter((d) => d === null)).toHaveLength(1);
    expect(await contents(name)).toEqual(["before", "once"]);
  });

  it("producer state outlives the object: a journal opened again over its storage knows the retry", async () => {
    const name = uniqueName();
    await (await appendAs(name, producer(0), "kept")).text();
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      // What a restarted object opens: the store and the journal over the same SQLite.
      const db = durableObjectSql(state.storage);
      new SqliteStore(db);
      const journal = new ObjectJournal(db, "log");
      expect(journal.readProducer("writer-1")).toMatchObject({
        epoch: 0,
        seq: 0,
        offset: 0,
        count: 1,
      });
      const log = new Log({ journal, maxSegmentSize: Infinity });
      expect(await log.write(bytes("kept"), { producer: producer(0) })).toEqual({
        offset: 0,
        count: 1,
        duplicate: true,
      });
    });
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 1 });
  });
});

describe("POST /batch with a producer", () => {
  it("a batch is one seq: its retry answers the original first, last and count", async () => {
    const name = uniqueName();
    const first = await batchAs(name, producer(0), ["a", "b", "c"]);
    expect(await first.json()).toEqual({ first: 0, last: 2, count: 3 });
    expect(first.headers.get("producer-seq")).toBe("0");
    const retry = await batchAs(name, producer(0), ["a", "b", "c"]);
    expect(retry.headers.get("edgelog-duplicate")).toBe("true");
    expect(await retry.json()).toEqual({ first: 0, last: 2, count: 3 });
    const next = await batchAs(name, producer(1), ["d"]);
    expect(await next.json()).toEqual({ first: 3, last: 3, count: 1 });
    const old = await batchAs(name, producer(0), ["a", "b", "c"]);
    expect(await old.json()).toEqual({ first: -1, last: -1, count: 0 });
    expect(await contents(name)).toEqual(["a", "b", "c", "d"]);
  });

  it("a gap and a stale epoch are refused as for one record", async () => {
    const name = uniqueName();
    await (await batchAs(name, producer(0, 3), ["a"])).text();
    await expectError(await batchAs(name, producer(2, 3), ["x"]), 409, "PRODUCER_SEQ_GAP");
    await expectError(await batchAs(name, producer(1, 2), ["x"]), 403, "STALE_EPOCH");
    expect(await contents(name)).toEqual(["a"]);
  });
});

// Many requests in flight on a shared, busy machine: a generous bound, no timing asserted.
describe("races (issue 10)", { timeout: 60_000 }, () => {
  it("20 writers with expected offsets: every 409 names the end after the write that took it", async () => {
    const name = uniqueName();
    const WRITERS = 20;
    const EACH = 1;
    let conflicts = 0;
    const writer = async (w: number) => {
      let end = (await boundsOf(name)).end;
      for (let i = 0; i < EACH;) {
        const res = await call(`/logs/${name}/records`, {
          method: "POST",
          headers: { "edgelog-expected-offset": String(end) },
          body: `w${w}-${i}`,
        });
        if (res.status === 200) {
          expect(await res.json()).toEqual({ offset: end });
          end++;
          i++;
          continue;
        }
        const error = await expectError(res, 409, "CONFLICT");
        conflicts++;
        const reported = Number(res.headers.get("edgelog-end"));
        expect(error.position).toBe(end);
        expect(error.end).toBe(reported);
        expect(error.message).toContain(`the end is "${reported}"`);
        // The end after the write that took the position, gathered for the commit in
        // progress or committed: never the taken position itself.
        expect(reported).toBeGreaterThan(end);
        end = reported;
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    expect(conflicts).toBeGreaterThan(0);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: WRITERS * EACH });
    const stored = await contents(name);
    expect(new Set(stored).size).toBe(WRITERS * EACH);
  });

  it("two writers with one producer id: the older epoch is fenced once the newer writes, nothing interleaves", async () => {
    const name = uniqueName();
    const id = "shared";
    const written: string[] = [];
    let fencedAt: number | undefined;
    // The old writer goes on until it is fenced off.
    const old = async () => {
      for (let seq = 0; seq < 200; seq++) {
        const res = await appendAs(name, producer(seq, 0, id), `old-${seq}`);
        if (res.status === 403) {
          expect(await expectError(res, 403, "STALE_EPOCH")).toMatchObject({
            currentEpoch: 1,
            epoch: 0,
          });
          fencedAt = seq;
          return;
        }
        expect(res.status).toBe(200);
        await res.json();
        written.push(`old-${seq}`);
      }
    };
    const fresh = async () => {
      // Starts once the old writer is under way.
      while (written.length < 5) await new Promise((resolve) => setTimeout(resolve, 1));
      for (let seq = 0; seq < 10; seq++) {
        const res = await appendAs(name, producer(seq, 1, id), `new-${seq}`);
        expect(res.status).toBe(200);
        await res.json();
      }
    };
    await Promise.all([old(), fresh()]);
    expect(fencedAt).toBeDefined();
    const stored = await contents(name);
    const firstNew = stored.indexOf("new-0");
    expect(stored.slice(0, firstNew)).toEqual(written);
    expect(stored.slice(firstNew)).toEqual(Array.from({ length: 10 }, (_, i) => `new-${i}`));
  });
});
