/**
 * End to end: a tail socket stays connected while the log's Durable Object is evicted for
 * being idle (hibernation under `wrangler dev`), and still receives the next record. Eviction
 * is seen through the `Edgelog-Instance` response header, a random id chosen in the object's
 * constructor: a new id means a new instance. A second tail waits across the eviction for an
 * offset not yet written: the new instance takes its cursor from the socket's attachment. An append
 * session (a `LogClient.writer()` in a Deno child process) stays connected across the eviction too:
 * its next append, numbered and carrying its producer's seq, is taken by the new instance from the
 * socket's attachment, without a reconnect.
 *
 * Idle costs nothing: while the object is idle with these sockets connected (two hibernating
 * tails and an append session at once, so neither kind keeps it in memory), its metrics
 * (`GET /logs/{name}/metrics`) show no pending timer of its own and no alarm, and the runtime
 * evicts it. Eviction is polled for: idle for a step, then one metrics read (itself a request,
 * which starts the idle time again), with steps growing to a bound. The web console's idle tail
 * is measured the same way in test/browser/console.test.mjs. The Durable Streams long-poll and
 * SSE readers do not exist yet: nothing here stands in for them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DevServer, sleep } from "./server.mjs";
import { appendBatch, appendWithInstance, metrics, openTail } from "./client.mjs";
import { startSessionWriter } from "./session_child.mjs";

/**
 * Idle periods tried in turn until the object is seen evicted (workerd evicts an object idle
 * for about 10 s): the first that suffices ends the poll, the last bounds it.
 */
const IDLE_SECONDS = [11, 13, 16, 20, 25];

/**
 * Fails unless an append's response carried a non-empty `Edgelog-Instance` header.
 * @param {string | null} instance
 * @param {string} what
 * @returns {asserts instance is string}
 */
function assertInstance(instance, what) {
  assert.equal(typeof instance, "string", `${what}: the response carries Edgelog-Instance`);
  assert.notEqual(instance, "", `${what}: Edgelog-Instance is not empty`);
}

/** @type {DevServer} */
let server;
after(async () => {
  await server?.dispose();
});

test(
  "idle with tails and an append session connected, the object has no timer and no alarm pending and is evicted; a live tail gets the next record, a waiting one its offset, a session appends on",
  {
    timeout: 150_000,
  },
  async () => {
    server = new DevServer();
    await server.start();
    const name = `e2e/hibernate-${Date.now().toString(36)}`;
    const enc = new TextEncoder();

    const first = await appendWithInstance(server.url, name, enc.encode("before"));
    // PROTOCOL.md: every response from a log carries Edgelog-Instance. Without it eviction
    // could not be seen, and this test would prove nothing about hibernation.
    assertInstance(first.instance, "the first append");

    /** @type {{ offset: number, text: string }[]} */
    const got = [];
    const tail = await openTail(server.wsUrl, name, first.offset, (r) => {
      got.push({ offset: r.offset, text: new TextDecoder().decode(r.data) });
    });
    let closed = false;
    tail.closed.then(() => (closed = true));
    // Ahead of every record this test writes before the final batch (at most 4 of them).
    const ahead = first.offset + 10;
    /** @type {number[]} */
    const gotAhead = [];
    const waiting = await openTail(server.wsUrl, name, ahead, (r) => gotAhead.push(r.offset));

    /**
     * @param {number} count
     * @param {number} ms
     */
    async function waitFor(count, ms) {
      const deadline = Date.now() + ms;
      while (got.length < count && Date.now() < deadline) await sleep(25);
    }
    await waitFor(1, 5_000);
    assert.deepEqual(got, [{ offset: first.offset, text: "before" }]);

    const session = startSessionWriter(server.url, name, "manual");
    session.append("session before");
    /** @param {number} count */
    async function sessionAcks(count) {
      const deadline = Date.now() + 10_000;
      while (session.order.length < count && Date.now() < deadline) await sleep(25);
      return session.order;
    }
    const [sessionFirst] = await sessionAcks(1);
    await waitFor(2, 5_000);

    // Idle now: the object's own work is done. No timer of its own is pending (group commit,
    // deletion steps, fan-out, catch-up, a session's HELLO) and no alarm is set.
    const idle = await metrics(server.url, name);
    assert.equal(idle.pendingTimers, 0, "no timer pending while idle");
    assert.equal(idle.alarm, null, "no alarm pending while idle");
    assert.equal(idle.webSockets, 3, "two tails and a session connected");
    let instance = idle.instance;
    assertInstance(instance, "the metrics");
    let evicted = false;
    let idled = 0;
    for (const seconds of IDLE_SECONDS) {
      await sleep(seconds * 1000);
      idled += seconds;
      assert.equal(closed, false, "the socket stays open while the object is idle");
      const probe = await metrics(server.url, name);
      evicted = probe.instance !== instance;
      console.log(
        `hibernation: idle ${seconds} s -> instance ${
          evicted ? "changed (evicted)" : "unchanged"
        }; pending timers ${probe.pendingTimers}, alarm ${probe.alarm}`,
      );
      if (evicted) {
        // A new instance: its counts start from zero, the sockets are still connected.
        assert.equal(probe.rowsWritten, 0, "the new instance has written nothing");
        assert.equal(probe.webSockets, 3, "the hibernated sockets are still connected");
        break;
      }
      assert.equal(probe.pendingTimers, 0, "still no timer pending while idle");
      assert.equal(probe.alarm, null, "still no alarm");
      instance = probe.instance;
    }
    assert.ok(evicted, `the object was never evicted in ${idled} s of idleness`);
    const text = `after ${idled} s idle`;
    const next = await appendWithInstance(server.url, name, enc.encode(text));
    await waitFor(got.length + 1, 5_000);
    assert.deepEqual(got.at(-1), { offset: next.offset, text }, "the socket gets the record");
    assertInstance(next.instance, `the append after ${idled} s idle`);
    // The session, idle across the eviction, appends again on the same connection.
    session.append("session after");
    const sessionOffsets = await sessionAcks(2);
    const sessionAfter = /** @type {number} */ (sessionOffsets[1]);
    await waitFor(got.length + 1, 5_000);
    assert.deepEqual(got.at(-1), { offset: sessionAfter, text: "session after" });
    await session.stop();
    assert.deepEqual(session.reconnects, [], "the session stayed connected");
    assert.deepEqual(session.failures, []);
    assert.equal(typeof sessionFirst, "number");
    const batchFirst = await appendBatch(
      server.url,
      name,
      Array.from({ length: 12 }, (_, i) => enc.encode(`batch ${i}`)),
    );
    const end = batchFirst + 12;
    await waitFor(end - first.offset, 5_000);
    const deadline = Date.now() + 5_000;
    while (gotAhead.length < end - ahead && Date.now() < deadline) await sleep(25);
    await sleep(100);
    assert.deepEqual(
      gotAhead,
      Array.from({ length: end - ahead }, (_, i) => ahead + i),
      "the waiting tail gets exactly the records from its offset on",
    );
    tail.close();
    waiting.close();
    await Promise.all([tail.closed, waiting.closed]);
    assert.deepEqual(
      got.map((r) => r.offset),
      got.map((_, i) => first.offset + i),
      "no gap and no duplicate on the hibernated socket",
    );
  },
);
