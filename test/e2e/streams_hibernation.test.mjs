/**
 * End to end: Durable Streams live readers wait in the Worker, not in the LogObject. A stream
 * with only a long-poll reader and an SSE reader waiting at its tail is left idle until its
 * Durable Object is evicted (hibernation under `wrangler dev`); eviction is seen through the
 * `Edgelog-Instance` header, a random id chosen in the object's constructor, which differs
 * on the next append's answer. Both readers still get that append.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DevServer, sleep } from "./server.mjs";

/** Idle periods tried in turn until the object is seen evicted (about 10 s suffices). */
const IDLE_SECONDS = [12, 16, 20];

/** @type {DevServer} */
let server;
after(async () => {
  await server?.dispose();
});

/**
 * An SSE reader: collects the text of `data` events until aborted.
 * @param {string} url
 * @param {AbortSignal} signal
 */
async function sseReader(url, signal) {
  const res = await fetch(url, { signal });
  assert.equal(res.status, 200);
  const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
  const decoder = new TextDecoder();
  const state = { data: /** @type {string[]} */ ([]), buffer: "" };
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
          }
        }
      }
    } catch { /* aborted */ }
  })();
  return state;
}

test(
  "an object with only long-poll and SSE readers waiting is evicted, and both readers get the next append",
  { timeout: 120_000 },
  async () => {
    server = new DevServer();
    await server.start();
    const url = `${server.url}/v1/stream/e2e-ds-hibernate-${Date.now().toString(36)}`;
    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "before",
    });
    assert.equal(created.status, 201);
    const instance = created.headers.get("edgelog-instance");
    assert.ok(instance, "the object's answers carry Edgelog-Instance");
    const tail = /** @type {string} */ (created.headers.get("stream-next-offset"));

    const abort = new AbortController();
    const sse = await sseReader(`${url}?offset=${tail}&live=sse`, abort.signal);
    // A long-poll reader as a client runs one: again after each 204, from the offset it has.
    /** @type {string[]} */
    const polled = [];
    const polling = (async () => {
      let offset = tail;
      while (!abort.signal.aborted && polled.length === 0) {
        const res = await fetch(`${url}?offset=${offset}&live=long-poll`, {
          signal: abort.signal,
        }).catch(() => undefined);
        if (res === undefined) break;
        if (res.status === 200) polled.push(await res.text());
        else await res.body?.cancel();
        offset = res.headers.get("stream-next-offset") ?? offset;
      }
    })();

    let evicted = false;
    let appended;
    for (const seconds of IDLE_SECONDS) {
      await sleep(seconds * 1000);
      // Only readers are connected: nothing but an eviction changes the instance.
      const head = await fetch(url, { method: "HEAD" });
      const now = head.headers.get("edgelog-instance");
      if (now !== instance) {
        evicted = true;
        appended = await fetch(url, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "after",
        });
        break;
      }
    }
    assert.ok(evicted, `the object was not evicted within ${IDLE_SECONDS.join("+")} s`);
    assert.equal(appended?.status, 204);

    const deadline = Date.now() + 20_000;
    while ((sse.data.length === 0 || polled.length === 0) && Date.now() < deadline) {
      await sleep(50);
    }
    abort.abort();
    await polling;
    assert.deepEqual(sse.data, ["after"], "the SSE reader got the append");
    assert.deepEqual(polled, ["after"], "the long-poll reader got the append");
  },
);
