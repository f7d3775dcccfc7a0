// LogClient's appends exactly once, without a server: a stand-in `fetch` runs the core's Log
// behind the protocol's producer headers and error bodies, as the Worker does, and injects the
// failures a network has (a refused connection, a lost answer after the commit, a 5xx, no
// answer at all), so that what the log finally holds can be checked record by record.
import assert from "node:assert/strict";
import {
  ConflictError,
  Log,
  LogError,
  type LogRecord,
  type Producer,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../../mod.ts";
import { HttpError, LogClient, type LogClientOptions, type RetryEvent } from "./mod.ts";
import { encodeErrorBody, logErrorFields, STATUS_BY_CODE } from "../protocol/errors.ts";
import { EXPECTED_OFFSET_HEADER, OFFSET_HEADER } from "../protocol/headers.ts";
import {
  producerAnswerHeaders,
  producerErrorHeaders,
  readProducerHeaders,
} from "../protocol/producer.ts";
import { decodeBatch } from "../protocol/wire.ts";

const BASE = "http://127.0.0.1:8787";
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * What happens to one request:
 * - `refuse`: no connection (nothing reaches the log);
 * - `lose`: the log commits the append, then the connection drops before the answer;
 * - `500`: the server fails before the log sees the append;
 * - `hang`: no answer, ever (until the request is aborted), and nothing reaches the log;
 * - `late`: the log commits the append, and the answer never comes.
 */
type Fault = "refuse" | "lose" | "500" | "hang" | "late";

/** One request the stand-in received. */
interface Sent {
  route: string;
  producer: Producer | undefined;
  expected: string | null;
  records: string[];
}

/** A stand-in server over the core's Log, with failures injected per request. */
class StandIn {
  log = new Log({ maxSegmentSize: Infinity, maxRecordSize: 16 });
  readonly sent: Sent[] = [];
  /** The failure of each next request, in order; `undefined` entries pass. */
  readonly faults: (Fault | undefined)[] = [];
  /** Requests between arrival and answer, and the most seen at once. */
  inFlight = 0;
  maxInFlight = 0;

  readonly fetch = async (request: Request): Promise<Response> => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.#handle(request);
    } finally {
      this.inFlight--;
    }
  };

  async #handle(request: Request): Promise<Response> {
    const body = new Uint8Array(await request.arrayBuffer());
    const url = new URL(request.url);
    const route = url.pathname.slice(url.pathname.lastIndexOf("/"));
    const records = route === "/batch" ? decodeBatch(body, 1000) : [body];
    const producer = readProducerHeaders(request.headers);
    const expected = url.searchParams.get("expected") ??
      request.headers.get(EXPECTED_OFFSET_HEADER);
    this.sent.push({ route, producer, expected, records: records.map(text) });
    const fault = this.faults.shift();
    // Let concurrent requests overlap, as on a network.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (fault === "refuse") throw new TypeError("Connection refused");
    if (fault === "500") {
      return Response.json({ error: { code: "INTERNAL", message: "Internal error" } }, {
        status: 500,
      });
    }
    if (fault === "hang") return await never(request.signal);
    const response = await this.#append(route, records, producer, expected);
    if (fault === "lose") throw new TypeError("Connection reset by peer");
    if (fault === "late") return await never(request.signal);
    return response;
  }

  async #append(
    route: string,
    records: Uint8Array[],
    producer: Producer | undefined,
    expected: string | null,
  ): Promise<Response> {
    const options = expected === null ? {} : { expectedOffset: Number(expected) };
    try {
      if (producer === undefined) {
        const first = await this.log.writeBatch(records, options);
        return answer(route, first, records.length, {});
      }
      const { offset, count, duplicate } = await this.log.writeBatch(records, {
        ...options,
        producer,
      });
      return answer(route, offset, count, producerAnswerHeaders(producer, duplicate));
    } catch (error) {
      if (!(error instanceof LogError)) throw error;
      const headers = error instanceof ProducerSeqGapError || error instanceof StaleEpochError
        ? producerErrorHeaders(error)
        : {};
      return new Response(encodeErrorBody(error.code, error.message, logErrorFields(error)), {
        status: STATUS_BY_CODE[error.code] ?? 500,
        headers,
      });
    }
  }

  /** The records the log holds, as text, in offset order. */
  async stored(): Promise<string[]> {
    const { begin, end } = await this.log.bounds();
    if (begin === end) return [];
    const batch = new Array<LogRecord>(end - begin);
    const count = await this.log.readBatch(begin, batch);
    return batch.slice(0, count).map((r) => text(r.data));
  }

  /** The producers of the requests sent, as `epoch/seq`. */
  seqs(): string[] {
    return this.sent.map(({ producer }) =>
      producer === undefined ? "none" : `${producer.epoch}/${producer.seq}`
    );
  }
}

function answer(
  route: string,
  first: number,
  count: number,
  headers: Record<string, string>,
): Response {
  const body = route === "/records"
    ? { offset: first }
    : { first, last: count === 0 ? -1 : first + count - 1, count };
  return Response.json(body, { headers: { [OFFSET_HEADER]: String(first), ...headers } });
}

function never(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Fast retries, so that the tests take milliseconds. */
const FAST = { minDelay: 1, maxDelay: 4, attemptTimeout: 50 };

function client(server: StandIn, options: LogClientOptions = {}): LogClient {
  return new LogClient(BASE, "acme/demo", { fetch: server.fetch, retry: FAST, ...options });
}

Deno.test("`append()` names a random producer per client and counts seqs over appends and batches", async () => {
  const server = new StandIn();
  const log = client(server);
  const other = client(server);
  assert.equal(await log.append(bytes("a")), 0);
  assert.equal(await log.appendBatch([bytes("b"), bytes("c")]), 1);
  assert.equal(await log.append(bytes("d")), 3);
  assert.equal(await other.append(bytes("e")), 4);
  const [first, second] = [server.sent[0]!.producer!, server.sent[3]!.producer!];
  assert.match(first.id, /^[0-9a-f]{32}$/);
  assert.notEqual(first.id, second.id, "every client has its own id");
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "0/2", "0/0"]);
  assert.deepEqual(log.producer, { id: first.id, epoch: 0, seq: 3 });
  const given = client(server, { producer: { id: "importer", epoch: 7 } });
  await given.append(bytes("f"));
  assert.deepEqual(server.sent[4]!.producer, { id: "importer", epoch: 7, seq: 0 });
  assert.deepEqual(await server.stored(), ["a", "b", "c", "d", "e", "f"]);
});

Deno.test("A lost answer is retried with the same seq, and the record is stored once", async () => {
  const server = new StandIn();
  const log = client(server);
  await log.append(bytes("a"));
  server.faults.push("lose", "lose");
  assert.equal(await log.append(bytes("b")), 1);
  server.faults.push("lose");
  assert.equal(await log.appendBatch([bytes("c"), bytes("d")]), 2);
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "0/1", "0/1", "0/2", "0/2"]);
  assert.deepEqual(await server.stored(), ["a", "b", "c", "d"]);
  assert.deepEqual(log.producer?.seq, 3);
});

Deno.test("A refused connection, a 5xx and a timeout are retried with the same seq", async () => {
  const server = new StandIn();
  const events: RetryEvent[] = [];
  const log = client(server, { retry: { ...FAST, onRetry: (event) => events.push(event) } });
  server.faults.push("refuse", "500", "hang", "late");
  assert.equal(await log.append(bytes("a")), 0);
  assert.deepEqual(server.seqs(), ["0/0", "0/0", "0/0", "0/0", "0/0"]);
  assert.deepEqual(events.map((e) => e.attempt), [1, 2, 3, 4]);
  assert.deepEqual(
    events.map((e) => (e.error as HttpError).code),
    ["NETWORK", "INTERNAL", "NETWORK", "NETWORK"],
  );
  assert.match((events[2]!.error as Error).message, /^No answer within "50" ms$/);
  for (const { delay } of events) assert(delay >= 0 && delay <= FAST.maxDelay, `${delay}`);
  assert.deepEqual(await server.stored(), ["a"], "the late commit and its retry are one record");
});

Deno.test("Concurrent appends of one client are sent one at a time, in call order", async () => {
  const server = new StandIn();
  const log = client(server);
  server.faults.push(undefined, "lose", undefined, "500", "refuse", undefined, "lose");
  const calls = Array.from(
    { length: 12 },
    (_, i) =>
      i % 3 === 2 ? log.appendBatch([bytes(`${i}a`), bytes(`${i}b`)]) : log.append(bytes(`${i}`)),
  );
  const offsets = await Promise.all(calls);
  assert.equal(server.maxInFlight, 1, "one request in flight at a time");
  const stored = await server.stored();
  assert.deepEqual(stored, [
    ...["0", "1", "2a", "2b", "3", "4", "5a", "5b", "6", "7", "8a", "8b", "9", "10"],
    ...["11a", "11b"],
  ]);
  assert.deepEqual(offsets, [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]);
  // Each seq once, in order, but for its retries right after it.
  const seqs = server.sent.map((s) => s.producer!.seq);
  assert.deepEqual([...new Set(seqs)], Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
});

Deno.test("A refusal writes nothing and uses no seq; the next append takes it", async () => {
  const server = new StandIn();
  const log = client(server);
  await log.append(bytes("a"));
  await assert.rejects(log.append(bytes("b"), { expectedOffset: 0 }), ConflictError);
  await assert.rejects(log.append(bytes("x".repeat(17))), RecordTooLargeError);
  assert.equal(await log.append(bytes("c")), 1);
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "0/1", "0/1"]);
  assert.deepEqual(log.producer?.epoch, 0);
});

Deno.test("The retry of an append at an expected offset that was stored resolves it, no ConflictError", async () => {
  const server = new StandIn();
  const log = client(server);
  server.faults.push("lose");
  assert.equal(await log.append(bytes("a"), { expectedOffset: 0 }), 0);
  server.faults.push("late");
  assert.equal(await log.appendBatch([bytes("b"), bytes("c")], { expectedOffset: 1 }), 1);
  assert.deepEqual(server.sent.map((s) => s.expected), ["0", "0", "1", "1"]);
  assert.deepEqual(await server.stored(), ["a", "b", "c"]);
});

Deno.test("An append whose retries run out says so; the client then starts a new epoch", async () => {
  const server = new StandIn();
  const log = client(server, { retry: { ...FAST, maxAttempts: 3 } });
  await log.append(bytes("a"));
  // The first try is stored but its answer lost; the retries find no server.
  server.faults.push("lose", "refuse", "refuse");
  const error = await log.append(bytes("b")).catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "NETWORK");
  assert.match(
    error.message,
    /^Cannot reach "http:\/\/127\.0\.0\.1:8787": Connection refused; gave up after "3" attempts in "\d+\.\d" s: the append may or may not have been written$/,
  );
  assert(error.cause instanceof HttpError);
  // A late copy of that append can never be taken for a later one: a new epoch from seq 0.
  assert.deepEqual(log.producer?.epoch, 1);
  assert.equal(await log.append(bytes("c")), 2);
  assert.deepEqual(server.seqs().slice(-1), ["1/0"]);
  const late = server.sent[1]!;
  const stale = await server.log.write(bytes("b"), { producer: late.producer! }).catch((e) => e);
  assert(stale instanceof StaleEpochError, "the server refuses the old epoch");
  assert.deepEqual(await server.stored(), ["a", "b", "c"]);
});

Deno.test("Retries stop at maxElapsed, and an attempt's timeout gives up a hanging request", async () => {
  const server = new StandIn();
  const log = client(server, {
    retry: { maxAttempts: 1000, minDelay: 10, maxDelay: 10, maxElapsed: 60, attemptTimeout: 20 },
  });
  server.faults.push(...Array<Fault>(1000).fill("hang"));
  const started = Date.now();
  const error = await log.append(bytes("a")).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  assert(error instanceof HttpError);
  assert.match(error.message, /^No answer within "20" ms; gave up after "\d" attempts/);
  assert(server.sent.length >= 2 && server.sent.length <= 4, `${server.sent.length} attempts`);
  assert(elapsed < 500, `${elapsed} ms`);
});

Deno.test("A server that forgot the producer: a gap from seq 0 starts a new epoch and resends once", async () => {
  const server = new StandIn();
  const log = client(server);
  await log.append(bytes("a"));
  await log.append(bytes("b"));
  // The log was deleted and made again (or the producer expired): it knows no producer.
  server.log = new Log({ maxSegmentSize: Infinity });
  assert.equal(await log.append(bytes("c")), 0);
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "0/2", "1/0"]);
  assert.deepEqual(log.producer?.epoch, 1);
  assert.deepEqual(log.producer?.seq, 1);
  assert.deepEqual(await server.stored(), ["c"]);
});

Deno.test("Another writer's gap or newer epoch reaches the caller; the producer stays as it was", async () => {
  const server = new StandIn();
  const log = client(server, { producer: { id: "shared", epoch: 0 } });
  await log.append(bytes("a"));
  await log.append(bytes("b"));
  // Another log holds the id at seq 0 only: seq 2 skips 1.
  server.log = new Log({ maxSegmentSize: Infinity });
  await server.log.write(bytes("other"), { producer: { id: "shared", epoch: 0, seq: 0 } });
  const gap = await log.append(bytes("c")).catch((e: unknown) => e);
  assert(gap instanceof ProducerSeqGapError);
  assert.deepEqual([gap.expectedSeq, gap.receivedSeq], [1, 2]);
  assert.deepEqual(log.producer, { id: "shared", epoch: 0, seq: 2 });
  // A newer writer took the id over.
  await server.log.write(bytes("newer"), { producer: { id: "shared", epoch: 4, seq: 0 } });
  const stale = await log.append(bytes("d")).catch((e: unknown) => e);
  assert(stale instanceof StaleEpochError);
  assert.deepEqual([stale.currentEpoch, stale.epoch], [4, 0]);
  assert.deepEqual(log.producer, { id: "shared", epoch: 0, seq: 2 });
  assert.deepEqual(await server.stored(), ["other", "newer"]);
  assert.equal(server.sent.length, 4, "refusals are not retried");
});

Deno.test("A duplicate of an older write than the client's is no success: it says so", async () => {
  const server = new StandIn();
  server.log = new Log({ maxSegmentSize: Infinity });
  for (let seq = 0; seq < 3; seq++) {
    await server.log.write(bytes(`other ${seq}`), { producer: { id: "shared", epoch: 0, seq } });
  }
  const log = client(server, { producer: { id: "shared" } });
  const error = await log.append(bytes("mine")).catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "UNEXPECTED_RESPONSE");
  assert.match(error.message, /does another writer use this id\?$/);
  assert.equal(log.producer?.epoch, 1);
});

Deno.test("Aborting: a queued append sends nothing; one in flight or in backoff rejects at once", async () => {
  const server = new StandIn();
  const log = client(server, {
    retry: { ...FAST, attemptTimeout: 10_000, minDelay: 5_000, maxDelay: 5_000 },
  });
  await log.append(bytes("a"));
  // In flight: no answer comes, and the abort ends it; its fate is unknown, so a new epoch.
  server.faults.push("late");
  const inFlight = new AbortController();
  const first = log.append(bytes("b"), { signal: inFlight.signal });
  // Queued behind it: aborted before its turn, it sends nothing.
  const queued = new AbortController();
  const second = log.append(bytes("c"), { signal: queued.signal });
  const third = log.append(bytes("d"));
  await new Promise((resolve) => setTimeout(resolve, 20));
  queued.abort(new Error("not wanted"));
  await assert.rejects(second, { message: "not wanted" });
  inFlight.abort(new Error("too slow"));
  await assert.rejects(first, { message: "too slow" });
  assert.equal(await third, 2);
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "1/0"]);
  // In backoff: a 5xx, then a 5 s wait that the abort cuts short.
  server.faults.push("500");
  const backoff = new AbortController();
  const started = Date.now();
  const fourth = log.append(bytes("e"), { signal: backoff.signal });
  setTimeout(() => backoff.abort(new Error("give up")), 20);
  await assert.rejects(fourth, { message: "give up" });
  assert(Date.now() - started < 1000);
  assert.deepEqual(await server.stored(), ["a", "b", "d"]);
  assert.deepEqual(log.producer, { id: log.producer!.id, epoch: 2, seq: 0 });
});

Deno.test("`producer: false` sends plain appends, once, concurrently", async () => {
  const server = new StandIn();
  const log = client(server, { producer: false });
  assert.equal(log.producer, undefined);
  server.faults.push("lose");
  const error = await log.append(bytes("a")).catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "NETWORK");
  assert.doesNotMatch(error.message, /gave up/);
  await Promise.all([log.append(bytes("b")), log.append(bytes("c")), log.append(bytes("d"))]);
  assert.deepEqual(server.seqs(), ["none", "none", "none", "none"]);
  assert.equal(server.maxInFlight, 3);
  assert.equal((await server.stored()).length, 4);
});

Deno.test("`retry: false` sends a producer's append once", async () => {
  const server = new StandIn();
  const log = client(server, { retry: false });
  server.faults.push("500");
  const error = await log.append(bytes("a")).catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.message, "Internal error");
  assert.deepEqual(server.seqs(), ["0/0"]);
  assert.deepEqual(log.producer?.epoch, 1, "a 5xx leaves the append's fate unknown");
});

Deno.test("An append with the caller's producer resolves Appended, duplicates included", async () => {
  const server = new StandIn();
  const log = client(server);
  const producer = (seq: number) => ({ id: "import", epoch: 0, seq });
  assert.deepEqual(await log.appendBatch([bytes("a"), bytes("b")], { producer: producer(0) }), {
    offset: 0,
    count: 2,
    duplicate: false,
  });
  // The first try is stored but its answer lost: the retry finds it stored.
  server.faults.push("lose");
  assert.deepEqual(await log.append(bytes("c"), { producer: producer(1) }), {
    offset: 2,
    count: 1,
    duplicate: true,
  });
  // A re-run of the same writes: the last is answered with its offsets, older ones with -1.
  assert.deepEqual(await log.append(bytes("c"), { producer: producer(1) }), {
    offset: 2,
    count: 1,
    duplicate: true,
  });
  assert.deepEqual(await log.appendBatch([bytes("a"), bytes("b")], { producer: producer(0) }), {
    offset: -1,
    count: 0,
    duplicate: true,
  });
  const gap = await log.append(bytes("e"), { producer: producer(5) }).catch((e) => e);
  assert(gap instanceof ProducerSeqGapError);
  assert.deepEqual(server.seqs(), ["0/0", "0/1", "0/1", "0/1", "0/0", "0/5"]);
  assert.deepEqual(log.producer?.seq, 0, "the client's own producer is untouched");
  assert.deepEqual(await server.stored(), ["a", "b", "c"]);
});

Deno.test("Producer and retry options are checked when the client is made", () => {
  const make = (options: LogClientOptions) => () => new LogClient(BASE, "a", options);
  assert.throws(make({ producer: { id: "" } }), RangeError);
  assert.throws(make({ producer: { id: "x".repeat(257) } }), RangeError);
  assert.throws(make({ producer: { id: 7 as unknown as string } }), TypeError);
  assert.throws(make({ producer: { epoch: -1 } }), RangeError);
  assert.throws(make({ producer: "x" as unknown as false }), TypeError);
  assert.throws(make({ retry: { maxAttempts: 0 } }), RangeError);
  assert.throws(make({ retry: { minDelay: 10, maxDelay: 5 } }), RangeError);
  assert.throws(make({ retry: { attemptTimeout: 1.5 } }), RangeError);
  assert.throws(make({ retry: { onRetry: 1 as unknown as () => void } }), TypeError);
  assert.throws(make({ retry: true as unknown as false }), TypeError);
});

Deno.test("An append with a bad producer of the caller's rejects before anything is sent", async () => {
  const server = new StandIn();
  const log = client(server);
  const bad = [{ id: "", epoch: 0, seq: 0 }, { id: "a", epoch: 0, seq: -1 }, { id: "a" }];
  for (const producer of bad) {
    await assert.rejects(
      log.append(bytes("a"), { producer: producer as Producer }),
      (e) => e instanceof RangeError || e instanceof TypeError,
    );
  }
  assert.equal(server.sent.length, 0);
});
