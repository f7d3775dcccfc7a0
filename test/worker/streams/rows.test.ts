// What each Durable Streams operation (`/v1/stream/{name}`) costs the log's Durable Object, as
// the object counts it (`GET /logs/{name}/metrics`: the HTTP requests it served, and the rows
// its SQL cursors read and wrote, which Cloudflare bills): counts taken before and after each
// operation, the metrics reads themselves left out. Each count is the lowest the design allows
// (COST.md gives the table): one row written per record; the stream row written only when
// its state changes (create, close, a Stream-Seq) or a TTL's renewal is no longer covered by
// the time stored; a live reader costs one request per wait and one per wake-up.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MetricsSnapshot } from "../../../src/protocol/metrics.ts";
import { encodeStreamOffset } from "../../../src/protocol/streams/offset.ts";
import { durableObjectSql } from "../../../worker/object/sql_adapter.ts";
import { renewalSlack, StreamStore } from "../../../worker/streams/stream_store.ts";
import { call, uniqueName } from "../helpers.ts";

/** What an operation cost the object. */
interface Cost {
  /** HTTP requests the object served (the metrics reads left out). */
  requests: number;
  rowsWritten: number;
  rowsRead: number;
}

/** The object of one log, whose metrics are read before and after each operation. */
class Meter {
  readonly name: string;
  /** Metrics reads so far: each is one HTTP request to the object, not the operation's. */
  #reads = 0;

  constructor(name: string) {
    this.name = name;
  }

  async metrics(): Promise<MetricsSnapshot> {
    const res = await call(`/logs/${this.name}/metrics`);
    expect(res.status).toBe(200);
    this.#reads++;
    return (await res.json()) as MetricsSnapshot;
  }

  /** What `op` cost, with any metrics reads it made (to wait for something) left out. */
  async cost(label: string, op: () => Promise<unknown>): Promise<Cost> {
    const before = await this.metrics();
    const readsBefore = this.#reads;
    await op();
    const after = await this.metrics();
    // The counts are one instance's: a restart would lose some.
    expect(after.instance).toBe(before.instance);
    const cost = {
      requests: after.requests.http - before.requests.http - (this.#reads - readsBefore),
      rowsWritten: after.rowsWritten - before.rowsWritten,
      rowsRead: after.rowsRead - before.rowsRead,
    };
    expect(after.requests.rpc - before.requests.rpc).toBe(0);
    expect(after.requests.webSocketMessages - before.requests.webSocketMessages).toBe(0);
    expect(after.kvWrites - before.kvWrites).toBe(0);
    console.log(`stream rows: ${label}: ${JSON.stringify(cost)}`);
    return cost;
  }

  /** Waits until the object holds `count` sockets (the Worker's waiting sockets). */
  async sockets(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await this.metrics()).webSockets !== count) {
      if (Date.now() > deadline) throw new Error(`never ${count} sockets`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const TEXT = { "content-type": "text/plain" };

/** `res` with its body read, after checking its status. */
async function expectStatus(res: Promise<Response>, status: number): Promise<Response> {
  const answer = await res;
  const body = await answer.text();
  expect(answer.status, body).toBe(status);
  return answer;
}

const put = (name: string, headers: Record<string, string> = TEXT, body?: string) =>
  call(`/v1/stream/${name}`, { method: "PUT", headers, body: body ?? null });
const post = (name: string, body: string, headers: Record<string, string> = TEXT) =>
  call(`/v1/stream/${name}`, { method: "POST", headers, body });

/** A stream of `records` records of 10 bytes, its object started and counted. */
async function streamOf(records: number, headers: Record<string, string> = TEXT): Promise<Meter> {
  const meter = new Meter(uniqueName("ds-rows"));
  await expectStatus(put(meter.name, headers), 201);
  for (let i = 0; i < records; i++) await expectStatus(post(meter.name, "0123456789"), 204);
  return meter;
}

describe("rows and requests of each Durable Streams operation, as the object counts them", () => {
  it("PUT: the stream row (on a new log, after the log's tables), nothing when found alike", async () => {
    // A new log's first request starts its object, which creates the log's tables (as for
    // any log): counted from the object's start.
    const fresh = new Meter(uniqueName("ds-fresh"));
    const start = await fresh.metrics();
    const created = uniqueName("ds-new");
    await expectStatus(put(created), 201);
    const first = await new Meter(created).metrics();
    console.log(
      `stream rows: a log's start ${start.rowsWritten} rows written; PUT of a new log's stream, ` +
        `start included: ${first.rowsWritten} rows written, ${first.rowsRead} read`,
    );
    expect(first.rowsWritten).toBe(start.rowsWritten + 1);

    const log = new Meter(uniqueName("ds-put"));
    await log.metrics();
    expect(await log.cost("PUT create", () => expectStatus(put(log.name), 201)))
      .toEqual({ requests: 1, rowsWritten: 1, rowsRead: 1 });
    // Again with the same settings: found in memory, nothing written or read.
    expect(await log.cost("PUT again, same settings", () => expectStatus(put(log.name), 200)))
      .toEqual({ requests: 1, rowsWritten: 0, rowsRead: 0 });
    // With an initial body: the stream row and the record.
    const body = new Meter(uniqueName("ds-put-body"));
    await body.metrics();
    expect(
      await body.cost("PUT create with a body", () => expectStatus(put(body.name, TEXT, "x"), 201)),
    ).toEqual({ requests: 1, rowsWritten: 2, rowsRead: 2 });
  });

  it("POST: one row per record, single or a JSON array; the stream row only with a Stream-Seq", async () => {
    const meter = await streamOf(1);
    expect(await meter.cost("append one record", () => expectStatus(post(meter.name, "a"), 204)))
      .toEqual({ requests: 1, rowsWritten: 1, rowsRead: 1 });
    const json = await streamOf(0, { "content-type": "application/json" });
    const items = JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ i })));
    expect(
      await json.cost(
        "append a JSON array of 10 items",
        () => expectStatus(post(json.name, items, { "content-type": "application/json" }), 204),
      ),
    ).toEqual({ requests: 1, rowsWritten: 10, rowsRead: 10 });
    // A Stream-Seq must be stored before the append is answered: the stream row too.
    expect(
      await meter.cost(
        "append with a Stream-Seq",
        () => expectStatus(post(meter.name, "b", { ...TEXT, "stream-seq": "0001" }), 204),
      ),
    ).toEqual({ requests: 1, rowsWritten: 2, rowsRead: 2 });
  });

  it("POST with an idempotent producer: one row more per request; a retry writes nothing", async () => {
    const meter = await streamOf(1);
    const producer = (seq: number) => ({
      ...TEXT,
      "producer-id": "cost",
      "producer-epoch": "0",
      "producer-seq": String(seq),
    });
    // The record and the producer's state. A new producer's first append reads more: its
    // state is looked up (none), and the log's producer states are read once (the most
    // recently used are kept).
    expect(
      await meter.cost(
        "producer's first append",
        () => expectStatus(post(meter.name, "p0", producer(0)), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 2, rowsRead: 4 });
    expect(
      await meter.cost(
        "producer's next append",
        () => expectStatus(post(meter.name, "p1", producer(1)), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 2, rowsRead: 1 });
    // The retry is answered from the state in memory.
    expect(
      await meter.cost(
        "producer's retried duplicate",
        () => expectStatus(post(meter.name, "p1", producer(1)), 204),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 0 });
  });

  it("HEAD, catch-up reads of one record and of a page: rows read only", async () => {
    const meter = await streamOf(100);
    expect(
      await meter.cost(
        "HEAD",
        () => expectStatus(call(`/v1/stream/${meter.name}`, { method: "HEAD" }), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 0 });
    expect(
      await meter.cost(
        "catch-up GET of one record",
        () => expectStatus(call(`/v1/stream/${meter.name}?offset=${encodeStreamOffset(99)}`), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 1 });
    expect(
      await meter.cost(
        "catch-up GET of a page of 100",
        () => expectStatus(call(`/v1/stream/${meter.name}?offset=-1`), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 100 });
  });

  it("close: the stream row", async () => {
    const meter = await streamOf(1);
    expect(
      await meter.cost("close", () =>
        expectStatus(
          call(`/v1/stream/${meter.name}`, {
            method: "POST",
            headers: { "stream-closed": "true" },
          }),
          204,
        )),
    ).toEqual({ requests: 1, rowsWritten: 1, rowsRead: 1 });
  });

  it("a TTL's renewal is written only when the time stored no longer covers the use", async () => {
    // TTL 60 s: the time stored runs 6 s ahead of the last use (renewalSlack), so the uses
    // that follow within it write nothing.
    expect(renewalSlack(60)).toBe(6_000);
    const covered = await streamOf(1, { ...TEXT, "stream-ttl": "60" });
    expect(
      await covered.cost("append, TTL stream", () => expectStatus(post(covered.name, "t"), 204)),
    ).toEqual({ requests: 1, rowsWritten: 1, rowsRead: 1 });
    expect(
      await covered.cost(
        "catch-up GET, TTL stream",
        () => expectStatus(call(`/v1/stream/${covered.name}?offset=-1`), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 2 });
    // TTL 1 s: 100 ms of slack. Past the time stored, the renewal is one row (written, and
    // read by its UPDATE), beside the record read.
    const due = await streamOf(1, { ...TEXT, "stream-ttl": "1" });
    await new Promise((resolve) => setTimeout(resolve, renewalSlack(1) + 50));
    expect(
      await due.cost(
        "catch-up GET, TTL stream, renewal due",
        () => expectStatus(call(`/v1/stream/${due.name}?offset=-1`), 200),
      ),
    ).toEqual({ requests: 1, rowsWritten: 1, rowsRead: 2 });
  });

  it("after a restart, a TTL counts from the time stored: at or after the last use, within the slack", async () => {
    const meter = await streamOf(0, { ...TEXT, "stream-ttl": "60" });
    const stub = env.LOGS.get(env.LOGS.idFromName(meter.name));
    // What a new instance reads: a store opened over the same database.
    const stored = () =>
      runInDurableObject(stub, (_instance, state) => {
        const store = new StreamStore(durableObjectSql(state.storage));
        return store.read()!.lastUsed;
      });
    const uses: number[] = [];
    for (let i = 0; i < 3; i++) {
      uses.push(Date.now());
      await expectStatus(call(`/v1/stream/${meter.name}?offset=-1`), 200);
      const at = await stored();
      // Never before the last use (the stream could expire early), at most the slack after
      // the first use it covers.
      expect(at).toBeGreaterThanOrEqual(uses.at(-1)!);
      expect(at).toBeLessThanOrEqual(Date.now() + renewalSlack(60));
    }
  });

  it("TTL expiry and DELETE: the log deleted, its tables created again for the next request", async () => {
    const expiring = await streamOf(1, { ...TEXT, "stream-ttl": "1" });
    const start = (await new Meter(uniqueName("ds-fresh")).metrics()).rowsWritten;
    await new Promise((resolve) => setTimeout(resolve, 1050));
    // Found expired by the request: deleted (deleteAll, which no cursor counts), and the
    // fresh log's tables created again, as a log's start does.
    expect(
      await expiring.cost(
        "a GET that finds the stream expired",
        () => expectStatus(call(`/v1/stream/${expiring.name}?offset=-1`), 404),
      ),
    ).toEqual({ requests: 1, rowsWritten: start, rowsRead: expect.any(Number) });
    // Known to be no stream without reading the fresh table.
    expect(
      await expiring.cost(
        "a GET after the expiry",
        () => expectStatus(call(`/v1/stream/${expiring.name}?offset=-1`), 404),
      ),
    ).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 0 });
    const deleted = await streamOf(10);
    expect(
      await deleted.cost(
        "DELETE",
        () => expectStatus(call(`/v1/stream/${deleted.name}`, { method: "DELETE" }), 204),
      ),
    ).toEqual({ requests: 1, rowsWritten: start, rowsRead: expect.any(Number) });
  });

  it("a live read: one request to wait, one more when an append wakes it", async () => {
    for (const mode of ["long-poll", "sse"] as const) {
      const meter = await streamOf(1);
      const tail = encodeStreamOffset(1);
      const abort = new AbortController();
      let answer: Promise<string> | undefined;
      // The reader at the tail: its read-or-wait opens the waiting socket.
      const waiting = await meter.cost(`${mode} reader waiting`, async () => {
        const res = call(`/v1/stream/${meter.name}?offset=${tail}&live=${mode}`, {
          signal: abort.signal,
        });
        answer = res.then(async (r) => {
          expect(r.status).toBe(200);
          if (mode === "long-poll") return await r.text();
          // SSE: the events until the first data event.
          const reader = r.body!.getReader();
          const decoder = new TextDecoder();
          let text = "";
          while (!text.includes("event: data")) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
          }
          await reader.cancel();
          return text;
        });
        await meter.sockets(1);
      });
      expect(waiting).toEqual({ requests: 1, rowsWritten: 0, rowsRead: 0 });
      // The append (one row written, one read), its frame to the waiting socket (one row
      // read), and the Worker's catch-up read of it (one request, one row read).
      const answered = await meter.cost(`${mode} reader answered by an append`, async () => {
        await expectStatus(post(meter.name, "live"), 204);
        expect(await answer).toContain("live");
        if (mode === "long-poll") await meter.sockets(0);
      });
      abort.abort();
      expect(answered).toEqual({ requests: 2, rowsWritten: 1, rowsRead: 3 });
    }
  });
});
