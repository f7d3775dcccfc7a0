/**
 * The Durable Streams part of `bench/cost_run.mjs`: what `/v1/stream/{name}` costs, counted
 * by each stream's Durable Object (`GET /logs/{name}/metrics`, through the ledger of
 * `bench/cost.mjs`), each workload on a stream of its own:
 *
 * 1. creates (`PUT`), each of a new log (its object's start included);
 * 2. appends of a 64-byte record one at a time, without and with an idempotent producer, and
 *    JSON arrays of 100 items;
 * 3. catch-up reads of one record, of 100 and of 1,000 (the most one read answers);
 * 4. live readers: 100 long-poll readers and 100 SSE readers connecting, waiting at the tail
 *    for a minute (a long-poll answers 204 after 15 s and its client polls again; an SSE answer
 *    ends after 60 s and its client reconnects), then one append answering them all.
 *
 * Idle readers are counted window by window: from the moment they all wait to the moment
 * they all wait again after their next request. The object may be evicted meanwhile (nothing
 * reaches it while they wait); its new instance's counts are then the window's.
 *
 * @module
 */
import { appendBatch } from "../test/e2e/client.mjs";
import { readersLine } from "./cost.mjs";

/** Streams created, each a new log. */
const CREATES = 100;
/** Live readers of each kind. */
const READERS = 100;
/** Long-poll cycles counted while the readers idle (15 s each). */
const LONG_POLL_CYCLES = 4;
const BINARY = { "content-type": "application/octet-stream" };

/**
 * `fetch`, its body read, its status checked.
 * @param {string} url
 * @param {RequestInit} init
 * @param {number} status
 */
async function send(url, init, status) {
  const res = await fetch(url, init);
  const body = await res.text();
  if (res.status !== status) {
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${body}`);
  }
  return res;
}

/**
 * Runs `count` calls of `fn`, one at a time.
 * @param {number} count
 * @param {(i: number) => Promise<unknown>} fn
 */
async function times(count, fn) {
  for (let i = 0; i < count; i++) await fn(i);
}

/**
 * Resolves once `check` holds, polling every 20 ms, for at most `ms`.
 * @param {() => boolean | Promise<boolean>} check
 * @param {number} ms
 * @param {string} what
 */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** A stream offset: the position as 16 decimal digits (PROTOCOL.md, Durable Streams). */
const offsetOf = (/** @type {number} */ position) => String(position).padStart(16, "0");

/** A long-poll reader as a client runs one: again after each 204, from the offset it has. */
class LongPollReader {
  /** Requests made (each one to the Worker, which reads or waits at the object). */
  requests = 0;
  /** @type {string[]} the bodies of its 200 answers */
  data = [];
  #abort = new AbortController();
  /** @type {Promise<void>} */
  done;

  /**
   * @param {string} url the stream's URL
   * @param {string} offset where it reads from
   */
  constructor(url, offset) {
    this.done = (async () => {
      let next = offset;
      // Until its first record: a client that keeps reading would poll again.
      while (!this.#abort.signal.aborted && this.data.length === 0) {
        this.requests++;
        let res;
        try {
          res = await fetch(`${url}?offset=${next}&live=long-poll`, { signal: this.#abort.signal });
        } catch {
          break;
        }
        if (res.status === 200) this.data.push(await res.text());
        else if (res.status === 204) await res.arrayBuffer();
        else throw new Error(`long-poll: ${res.status} ${await res.text()}`);
        next = res.headers.get("stream-next-offset") ?? next;
      }
    })();
  }

  stop() {
    this.#abort.abort();
  }
}

/** An SSE reader as a client runs one: it reconnects from its offset when an answer ends. */
class SseReader {
  /** Connections made (each one request to the Worker, which reads or waits at the object). */
  connections = 0;
  /** Control events received. */
  controls = 0;
  /** @type {string[]} the payloads of its data events */
  data = [];
  #abort = new AbortController();
  /** @type {Promise<void>} */
  done;

  /**
   * @param {string} url the stream's URL
   * @param {string} offset where it reads from
   */
  constructor(url, offset) {
    this.done = (async () => {
      let next = offset;
      const decoder = new TextDecoder();
      while (!this.#abort.signal.aborted) {
        this.connections++;
        let res;
        try {
          res = await fetch(`${url}?offset=${next}&live=sse`, { signal: this.#abort.signal });
        } catch {
          break;
        }
        if (res.status !== 200) throw new Error(`sse: ${res.status} ${await res.text()}`);
        let buffer = "";
        try {
          for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (res.body)) {
            buffer += decoder.decode(chunk, { stream: true });
            let end;
            while ((end = buffer.indexOf("\n\n")) !== -1) {
              const [kind, ...lines] = buffer.slice(0, end).split("\n");
              buffer = buffer.slice(end + 2);
              const payload = lines.map((l) => l.slice("data:".length)).join("\n");
              if (kind === "event: data") this.data.push(payload);
              if (kind === "event: control") {
                this.controls++;
                next = JSON.parse(payload).streamNextOffset ?? next;
              }
            }
          }
        } catch {
          break;
        }
      }
    })();
  }

  stop() {
    this.#abort.abort();
  }
}

/**
 * Runs the Durable Streams phases, adding their rows to `ledger` and their other lines to
 * `lines`.
 * @param {{ base: string, ledger: import("./cost.mjs").CostLedger, lines: string[],
 *   appends: number, record: Uint8Array, run: string }} options
 */
export async function streamsCostPhases({ base, ledger, lines, appends, record, run }) {
  const url = (/** @type {string} */ name) => `${base}/v1/stream/${name}`;

  // 1. Creates, each of a new log: its object starts with the PUT.
  for (let i = 0; i < CREATES; i++) {
    const name = `cost-ds-create-${run}-${i}`;
    ledger.fresh(name);
    await send(url(name), { method: "PUT", headers: BINARY }, 201);
    await ledger.after("streams created (PUT), each a new log", name);
  }

  // 2. Appends, one at a time: plain, then each naming the same producer.
  {
    const name = `cost-ds-append-${run}`;
    await send(url(name), { method: "PUT", headers: BINARY, body: record }, 201);
    await ledger.before(name);
    const t0 = performance.now();
    await times(
      appends,
      () => send(url(name), { method: "POST", headers: BINARY, body: record }, 204),
    );
    const seconds = (performance.now() - t0) / 1000;
    await ledger.after("stream appends, 1 at a time", name, { seconds });
  }
  {
    const name = `cost-ds-producer-${run}`;
    const producer = (/** @type {number} */ seq) => ({
      ...BINARY,
      "producer-id": `cost-${run}`,
      "producer-epoch": "0",
      "producer-seq": String(seq),
    });
    await send(url(name), { method: "PUT", headers: BINARY }, 201);
    await send(url(name), { method: "POST", headers: producer(0), body: record }, 200);
    await ledger.before(name);
    const t0 = performance.now();
    await times(
      appends,
      (i) => send(url(name), { method: "POST", headers: producer(i + 1), body: record }, 200),
    );
    const seconds = (performance.now() - t0) / 1000;
    await ledger.after("stream appends naming a producer, 1 at a time", name, { seconds });
  }
  {
    const name = `cost-ds-json-${run}`;
    const json = { "content-type": "application/json" };
    const items = JSON.stringify(
      Array.from({ length: 100 }, (_, i) => ({ i, text: "0123456789abcdef".repeat(3) })),
    );
    await send(url(name), { method: "PUT", headers: json }, 201);
    await ledger.before(name);
    const t0 = performance.now();
    await times(
      appends / 100,
      () => send(url(name), { method: "POST", headers: json, body: items }, 204),
    );
    const seconds = (performance.now() - t0) / 1000;
    await ledger.after("stream appends of a JSON array of 100 items", name, { seconds });
  }

  // 3. Catch-up reads from a stream of 10,000 records (appended through /logs/, in batches).
  {
    const name = `cost-ds-reads-${run}`;
    await send(url(name), { method: "PUT", headers: BINARY }, 201);
    const batch = Array.from({ length: 100 }, () => record);
    for (let i = 0; i < 100; i++) await appendBatch(base, name, batch);
    const end = 10_000;
    for (const [count, reads] of [[1, 1000], [100, 100], [1000, 20]]) {
      await ledger.before(name);
      // Each from `count` records before the end, so that it answers `count` records.
      await times(reads, () => send(`${url(name)}?offset=${offsetOf(end - count)}`, {}, 200));
      await ledger.after(`stream catch-up reads of ${count} record${count === 1 ? "" : "s"}`, name);
    }
  }

  // 4. Live readers: connecting, waiting a minute, answered by one append.
  const longPollName = `cost-ds-long-poll-${run}`;
  const sseName = `cost-ds-sse-${run}`;
  /** @type {LongPollReader[]} */
  let polls = [];
  /** @type {SseReader[]} */
  let sses = [];
  try {
    /** @type {Record<string, string>} */
    const tails = {};
    for (const name of [longPollName, sseName]) {
      const created = await send(url(name), { method: "PUT", headers: BINARY, body: record }, 201);
      tails[name] = /** @type {string} */ (created.headers.get("stream-next-offset"));
    }
    const waiting = (/** @type {string} */ name) => async () =>
      (await ledger.probe(name)).webSockets === READERS;
    await ledger.before(longPollName);
    polls = Array.from(
      { length: READERS },
      () => new LongPollReader(url(longPollName), tails[longPollName] ?? ""),
    );
    await until(waiting(longPollName), 30_000, "the long-poll readers waiting");
    await ledger.after(
      `${READERS} long-poll readers connecting (each: read, or wait)`,
      longPollName,
    );
    await ledger.before(sseName);
    sses = Array.from({ length: READERS }, () => new SseReader(url(sseName), tails[sseName] ?? ""));
    await until(waiting(sseName), 30_000, "the SSE readers waiting");
    await ledger.after(`${READERS} SSE readers connecting (each: read, or wait)`, sseName);

    // Idle: the long-poll readers' windows (one per timeout) and the SSE readers' (one
    // answer, 60 s), side by side. A window ends once every reader has made its next request
    // and the object holds its waiting socket again (its probes come after the requests).
    const idleLongPolls = async () => {
      const label = `${READERS} long-poll readers waiting, ${LONG_POLL_CYCLES} timeouts of 15 s`;
      const t0 = performance.now();
      const requests0 = polls.reduce((n, r) => n + r.requests, 0);
      for (let cycle = 0; cycle < LONG_POLL_CYCLES; cycle++) {
        const made = polls.map((r) => r.requests);
        await ledger.before(longPollName);
        await until(
          () => polls.every((r, i) => r.requests > (made[i] ?? 0)),
          30_000,
          "the next long-polls",
        );
        await until(waiting(longPollName), 30_000, "the long-poll readers waiting again");
        await ledger.after(label, longPollName);
      }
      const seconds = (performance.now() - t0) / 1000;
      const workerRequests = polls.reduce((n, r) => n + r.requests, 0) - requests0;
      const row = ledger.rows.find((r) => r.label === label);
      if (row !== undefined) {
        lines.push(
          readersLine({
            label: "idle long-poll readers",
            readers: READERS,
            seconds,
            row,
            workerRequests,
          }),
        );
      }
    };
    const idleSses = async () => {
      const label = `${READERS} SSE readers waiting, one answer of 60 s each`;
      const t0 = performance.now();
      const made = sses.map((r) => r.connections);
      await ledger.before(sseName);
      await until(
        () => sses.every((r, i) => r.connections > (made[i] ?? 0)),
        90_000,
        "the SSE reconnections",
      );
      await until(waiting(sseName), 30_000, "the SSE readers waiting again");
      await ledger.after(label, sseName);
      const seconds = (performance.now() - t0) / 1000;
      const workerRequests = sses.reduce((n, r) => n + r.connections, 0) -
        made.reduce((a, b) => a + b, 0);
      const row = ledger.rows.find((r) => r.label === label);
      if (row !== undefined) {
        lines.push(
          readersLine({
            label: "idle SSE readers",
            readers: READERS,
            seconds,
            row,
            workerRequests,
          }),
        );
      }
    };
    await Promise.all([idleLongPolls(), idleSses()]);

    // One append to each stream answers its readers: each reads it from the object.
    for (
      const [name, readers, kind]
        of /** @type {const} */ ([[longPollName, polls, "long-poll"], [sseName, sses, "SSE"]])
    ) {
      await ledger.before(name);
      await send(url(name), { method: "POST", headers: BINARY, body: record }, 204);
      await until(
        () => readers.every((r) => r.data.length > 0),
        30_000,
        `the ${kind} readers' answers`,
      );
      // The long-poll readers stop at their answer (no next wait in this window).
      if (kind === "long-poll") {
        await until(
          async () => (await ledger.probe(name)).webSockets === 0,
          30_000,
          "the waits ended",
        );
      }
      await ledger.after(`one append answering ${READERS} ${kind} readers`, name);
    }
  } finally {
    for (const r of [...polls, ...sses]) r.stop();
    await Promise.all([...polls, ...sses].map((r) => r.done.catch(() => {})));
  }
}
