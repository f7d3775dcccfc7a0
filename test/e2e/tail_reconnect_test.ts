// The tail against a real local server (wrangler dev, one per file): it survives the server
// being killed with SIGKILL and started again, losing and repeating no record; it reports
// purged offsets and deleted logs as the protocol says.
import assert from "node:assert/strict";
import { type LogRecord, OutOfRangeError } from "../../mod.ts";
import { HttpError, LogClient, type ReconnectEvent } from "../../src/client/mod.ts";
import { DevServer, sleep } from "./server.mjs";

const server = new DevServer();
await server.start();

const unique = (prefix: string) =>
  `${prefix}/${Date.now().toString(36)}-${Math.random()}`.slice(0, 60);
const payload = (i: number, padding = "") => new TextEncoder().encode(`record ${i}${padding}`);

/** Appends until `stop()` is called; records acknowledged appends, counts failed ones. */
function writer(client: LogClient) {
  const acked = new Map<number, Uint8Array>();
  let failed = 0;
  let sent = 0;
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      // Singles and small batches, as real writers mix them.
      const size = i % 3 === 2 ? 10 : 1;
      const records = Array.from({ length: size }, (_, k) => payload(sent + k));
      sent += records.length;
      try {
        const first = await client.appendBatch(records);
        records.forEach((data, k) => acked.set(first + k, data));
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        failed += records.length;
        await sleep(100); // The server is down: do not spin.
      }
    }
  })();
  return {
    acked,
    get failed() {
      return failed;
    },
    get sent() {
      return sent;
    },
    stop: async () => {
      running = false;
      await done;
    },
  };
}

Deno.test("`tail()` loses and repeats no record when the server is SIGKILLed and restarted", async () => {
  const name = unique("reconnect");
  const client = new LogClient(server.url, name);
  // History the tail is still catching up on when the server dies the first time.
  const history = 50_000;
  const padding = "x".repeat(200);
  for (let i = 0; i < history / 1000; i++) {
    await client.appendBatch(
      Array.from({ length: 1000 }, (_, j) => payload(-(i * 1000 + j) - 1, padding)),
    );
  }
  const controller = new AbortController();
  const reconnects: ReconnectEvent[] = [];
  const received: LogRecord[] = [];
  let duplicates = 0;
  let outOfOrder = 0;
  const tail = new LogClient(server.url, name).tail(0, {
    signal: controller.signal,
    minDelay: 50,
    maxDelay: 1000,
    heartbeat: 5000,
    onReconnect: (event) => reconnects.push(event),
  });
  const reading = (async () => {
    const seen = new Set<number>();
    try {
      for await (const record of tail) {
        if (seen.has(record.offset)) duplicates++;
        if (record.offset !== (received.at(-1)?.offset ?? -1) + 1) outOfOrder++;
        seen.add(record.offset);
        received.push(record);
      }
    } catch (error) {
      if (error !== controller.signal.reason) throw error;
    }
  })();
  const writing = writer(client);

  /** Kills the server with SIGKILL and starts it again; resolves how long it was down. */
  const killAndRestart = async () => {
    await server.kill();
    const killed = Date.now();
    await sleep(500);
    await server.start();
    return Date.now() - killed;
  };
  // First while the tail is catching up on history, then while it follows live appends.
  const deadline = Date.now() + 60_000;
  while (received.length < 1000 && Date.now() < deadline) await sleep(1);
  const atFirstKill = received.length;
  const downFirst = await killAndRestart();
  const reconnectsFirst = reconnects.length;
  while (received.length <= history && Date.now() < deadline) await sleep(50);
  await sleep(1000);
  const atSecondKill = received.length;
  const downSecond = await killAndRestart();
  await sleep(1000);
  await writing.stop();

  // The log is the truth: every record in it must reach the tail exactly once.
  const { begin, end } = await client.bounds();
  assert.equal(begin, 0);
  const truth = new Array<LogRecord>(end);
  assert.equal(await client.readBatch(0, truth), end);
  while (received.length < end && Date.now() < deadline) await sleep(50);
  controller.abort();
  await reading;

  const offsets = new Set(received.map((r) => r.offset));
  let gaps = 0;
  for (let offset = 0; offset < end; offset++) if (!offsets.has(offset)) gaps++;
  console.log(
    `records sent: ${history + writing.sent} (${history} before the tail started, ` +
      `${writing.sent} while it ran, of which ${writing.acked.size} acknowledged and ` +
      `${writing.failed} failed while the server was down); ` +
      `records in the log: ${end}; received by the tail: ${received.length}; ` +
      `duplicates: ${duplicates}; gaps: ${gaps}; out of order: ${outOfOrder}; ` +
      `kill 1 during catch-up at ${atFirstKill} received, down ${downFirst} ms; ` +
      `kill 2 while live at ${atSecondKill} received, down ${downSecond} ms; ` +
      `reconnect attempts: ${reconnects.length}`,
  );
  assert(atFirstKill > 0 && atFirstKill < history, "the first kill came during the catch-up");
  assert(reconnectsFirst >= 1, "the tail noticed the first kill");
  assert(atSecondKill > history, "the second kill came while the tail followed live appends");
  assert(reconnects.length > reconnectsFirst, "the tail noticed the second kill");
  assert.equal(duplicates, 0);
  assert.equal(gaps, 0);
  assert.equal(outOfOrder, 0);
  assert.equal(received.length, end);
  received.forEach((record, i) => {
    assert.equal(record.offset, i);
    assert.deepEqual(record.data, truth[i]!.data, `data of offset ${i}`);
    assert.equal(record.created.getTime(), truth[i]!.created.getTime());
  });
  for (const [offset, data] of writing.acked) {
    assert.deepEqual(received[offset]!.data, data, `acknowledged record ${offset}`);
  }
});

Deno.test("`tail()` from a purged offset rejects OutOfRangeError and does not reconnect", async () => {
  const client = new LogClient(server.url, unique("purged"));
  await client.appendBatch([payload(0), payload(1), payload(2)]);
  await client.truncate(2);
  const reconnects: ReconnectEvent[] = [];
  const tail = client.tail(1, { minDelay: 10, onReconnect: (e) => reconnects.push(e) });
  const error = await tail.next().catch((e: unknown) => e);
  assert(error instanceof OutOfRangeError);
  assert.equal(error.offset, 1);
  assert.equal(reconnects.length, 0);
});

Deno.test("`tail()` ends when its log is deleted", async () => {
  const client = new LogClient(server.url, unique("deleted"));
  await client.append(payload(0));
  const tail = client.tail(0);
  assert.equal((await tail.next()).value?.offset, 0);
  const next = tail.next();
  await client.delete();
  assert.deepEqual(await next, { done: true, value: undefined });
});

Deno.test("`tail()` without from yields only records appended after it started", async () => {
  const client = new LogClient(server.url, unique("live"));
  await client.appendBatch([payload(0), payload(1)]);
  const controller = new AbortController();
  const tail = client.tail(undefined, { signal: controller.signal });
  let settled = false;
  const next = tail.next().finally(() => settled = true);
  // The tail starts at the end it learns once it starts: append until it yields.
  for (let i = 2; !settled && i < 200; i++) {
    await client.append(payload(i));
    await sleep(50);
  }
  const { value } = await next;
  assert(value !== undefined && value.offset >= 2, `first offset ${value?.offset}`);
  assert.deepEqual(value.data, payload(value.offset));
  controller.abort();
  await assert.rejects(tail.next(), (e) => e === controller.signal.reason);
});

Deno.test("The server stops", async () => {
  await server.dispose();
});
