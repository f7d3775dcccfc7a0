/**
 * End to end: Durable Streams live readers wait in the Worker, not in the LogObject. A stream
 * with only a long-poll reader and an SSE reader waiting at its tail costs its object nothing
 * while they wait, and is left idle until the object is evicted (hibernation under
 * `wrangler dev`); both readers still get the next append.
 *
 * While they wait, the object's metrics (`GET /logs/{name}/metrics`) show the two waiting
 * sockets, no timer of its own pending, no alarm, and no request but the metrics reads: the
 * SSE keep-alives and the long-poll's timeout are the Worker's. The long-poll's next request
 * after its timeout (a client polls again) is one request to the object, its read-or-wait.
 * Eviction is seen through the instance id (a random id chosen in the object's constructor)
 * that the metrics show: the new instance's requests are the ones this test made since.
 *
 * The long-poll reader polls again every 15 s (`LONG_POLL_TIMEOUT_MS`), a request that starts
 * the object's idle time again, so the idle windows are fitted between them: 12 s each, where
 * workerd evicts an object idle for about 10 s.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DevServer, sleep } from "./server.mjs";
import { metrics } from "./client.mjs";

/**
 * Idle time before each probe for the eviction, after a long-poll's request: workerd evicts
 * an object idle for about 10 s, and the reader's next request comes 15 s after its last.
 */
const IDLE_MS = 12_000;
/** Long-poll cycles to try the eviction in. */
const TRIES = 3;
/** Idle time of the first window, whose counts the old instance shows. */
const WINDOW_MS = 3_000;

/** @type {DevServer} */
let server;
after(async () => {
  await server?.dispose();
});

/**
 * An SSE reader: collects the text of `data` events, and counts the keep-alives (a control
 * event with `upToDate` after the first), until aborted.
 * @param {string} url
 * @param {AbortSignal} signal
 */
async function sseReader(url, signal) {
  const res = await fetch(url, { signal });
  assert.equal(res.status, 200);
  const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
  const decoder = new TextDecoder();
  const state = { data: /** @type {string[]} */ ([]), controls: 0, buffer: "" };
  (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        state.buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = state.buffer.indexOf("\n\n")) !== -1) {
          const event = state.buffer.slice(0, end);
          state.buffer = state.buffer.slice(end + 2);
          if (event.startsWith("event: data\n")) {
            state.data.push(
              event.split("\n").slice(1).map((l) => l.slice("data:".length)).join("\n"),
            );
          } else if (event.startsWith("event: control\n")) {
            state.controls++;
          }
        }
      }
    } catch { /* aborted */ }
  })();
  return state;
}

/**
 * Waits until `check` holds, polling every 50 ms, for at most `ms`.
 * @param {() => boolean | Promise<boolean>} check
 * @param {number} ms
 * @param {string} what
 */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test(
  "long-poll and SSE readers waiting cost the object no request, no timer and no alarm; it is evicted, and both readers get the next append",
  { timeout: 150_000 },
  async () => {
    server = new DevServer();
    await server.start();
    const name = `e2e-ds-hibernate-${Date.now().toString(36)}`;
    const url = `${server.url}/v1/stream/${name}`;
    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "before",
    });
    assert.equal(created.status, 201);
    const tail = /** @type {string} */ (created.headers.get("stream-next-offset"));
    // The metrics reads of this test: each is one request to the object.
    let probes = 0;
    const probe = () => (probes++, metrics(server.url, name));

    const abort = new AbortController();
    const sse = await sseReader(`${url}?offset=${tail}&live=sse`, abort.signal);
    // A long-poll reader as a client runs one: again after each 204, from the offset it has.
    /** @type {string[]} */
    const polled = [];
    let polls = 0;
    const polling = (async () => {
      let offset = tail;
      while (!abort.signal.aborted && polled.length === 0) {
        polls++;
        const res = await fetch(`${url}?offset=${offset}&live=long-poll`, {
          signal: abort.signal,
        }).catch(() => undefined);
        if (res === undefined) break;
        if (res.status === 200) polled.push(await res.text());
        else await res.body?.cancel();
        offset = res.headers.get("stream-next-offset") ?? offset;
      }
    })();

    // Both readers wait: the object holds their two waiting sockets, and is idle.
    /** @type {import("../../src/protocol/metrics.ts").MetricsSnapshot} */
    let idle = await probe();
    await until(async () => (idle = await probe()).webSockets === 2, 10_000, "two waiting sockets");
    assert.equal(polls, 1);
    assert.equal(idle.pendingTimers, 0, "no timer pending while the readers wait");
    assert.equal(idle.alarm, null, "no alarm while the readers wait");
    const since = { probes, controls: sse.controls };
    await sleep(WINDOW_MS);
    const quiet = await probe();
    assert.equal(quiet.instance, idle.instance);
    assert.deepEqual(
      {
        http: quiet.requests.http - idle.requests.http,
        rpc: quiet.requests.rpc - idle.requests.rpc,
        webSocketMessages: quiet.requests.webSocketMessages - idle.requests.webSocketMessages,
        rowsRead: quiet.rowsRead - idle.rowsRead,
        rowsWritten: quiet.rowsWritten - idle.rowsWritten,
      },
      { http: probes - since.probes, rpc: 0, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0 },
      "while the readers wait, no request reaches the object but the metrics reads",
    );
    assert.equal(quiet.pendingTimers, 0, "still no timer pending");
    assert.equal(quiet.alarm, null, "still no alarm");
    assert.equal(quiet.webSockets, 2);

    // Idle until eviction. Each long-poll cycle gives the object a chance: from a probe to the
    // reader's next request (after its 15 s timeout), then from that request's wait to a probe
    // 12 s later, before the reader's next request.
    let evicted = false;
    let last = quiet;
    let lastProbes = probes;
    for (let tries = 0; tries < TRIES && !evicted; tries++) {
      // The long-poll's timeout (the Worker's 204) and its next request: its read-or-wait,
      // one request to the object, which waits again. SSE keep-alives meanwhile are the
      // Worker's.
      const counted = { polls, controls: sse.controls };
      await until(() => polls > counted.polls, 20_000, "the long-poll's next request");
      /** @type {import("../../src/protocol/metrics.ts").MetricsSnapshot} */
      let again = last;
      await until(async () => (again = await probe()).webSockets === 2, 10_000, "a wait again");
      const requests = again.instance === last.instance
        ? again.requests.http - last.requests.http
        : again.requests.http;
      console.log(
        `streams hibernation: a long-poll timeout and its next request, ${
          sse.controls - counted.controls
        } SSE keep-alive(s): ${requests} requests to the ${
          again.instance === last.instance ? "object" : "new instance (evicted)"
        }, ${probes - lastProbes} of them metrics reads`,
      );
      // The reader's next request and the metrics reads: nothing else reached the object,
      // the instance that saw them (a new one when it was evicted meanwhile) or the old one.
      assert.equal(requests, probes - lastProbes + 1, "a long-poll's timeout: one request");
      assert.equal(again.pendingTimers, 0, "no timer pending while the readers wait");
      assert.equal(again.alarm, null, "no alarm while the readers wait");
      if (again.instance !== last.instance) {
        evicted = true;
        break;
      }
      last = again;
      lastProbes = probes;
      // Idle until the reader's next request, which comes 15 s after this one.
      await sleep(IDLE_MS);
      const seen = await probe();
      evicted = seen.instance !== last.instance;
      console.log(
        `streams hibernation: idle ${IDLE_MS / 1000} s -> instance ${
          evicted ? "changed (evicted)" : "unchanged"
        }; pending timers ${seen.pendingTimers}, alarm ${seen.alarm}`,
      );
      if (evicted) {
        // A new instance, started by this probe: nothing reached the object meanwhile, and
        // the Worker's sockets are still connected.
        assert.equal(seen.requests.http, 1, "the probe is the new instance's only request");
        assert.equal(seen.rowsWritten, 0, "the new instance has written nothing");
        assert.equal(seen.webSockets, 2, "the hibernated waiting sockets are still connected");
      } else {
        assert.equal(seen.requests.http - last.requests.http, 1, "only the probe came");
        assert.equal(seen.pendingTimers, 0, "no timer pending while idle");
        assert.equal(seen.alarm, null, "no alarm while idle");
      }
      last = seen;
      lastProbes = probes;
    }
    assert.ok(evicted, `the object was not evicted in ${TRIES} long-poll cycles`);
    assert.ok(sse.controls > since.controls, "the SSE reader got keep-alives meanwhile");

    const appended = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "after",
    });
    assert.equal(appended.status, 204);
    await until(() => sse.data.length > 0 && polled.length > 0, 20_000, "both readers");
    abort.abort();
    await polling;
    assert.deepEqual(sse.data, ["after"], "the SSE reader got the append");
    assert.deepEqual(polled, ["after"], "the long-poll reader got the append");
  },
);
