/**
 * End to end: the Durable Streams client (`@durable-streams/client`, pinned, unchanged)
 * against edgelog's `/v1/stream/` on the real local server (`wrangler dev`, open development
 * mode): it creates a stream, appends, reads, follows it live by long-poll and by SSE, and
 * writes exactly once through an `IdempotentProducer`; the records it wrote are the log's
 * records, read back through the edgelog API.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DurableStream, IdempotentProducer, stream } from "@durable-streams/client";
import { DevServer, sleep } from "./server.mjs";

const server = new DevServer();
before(async () => {
  await server.start();
});
after(async () => {
  await server.dispose();
});

let counter = 0;
/** A stream URL no other test uses. */
function streamUrl(prefix) {
  return `${server.url}/v1/stream/ds-${prefix}-${Date.now().toString(36)}-${counter++}`;
}

/** The records of the log behind `url`, through the edgelog API (text). */
async function logRecords(url) {
  const name = new URL(url).pathname.slice("/v1/stream/".length);
  const res = await fetch(`${server.url}/logs/${name}/records?from=0&limit=1000`);
  assert.equal(res.status, 200);
  const lines = (await res.text()).split("\n").filter((l) => l !== "");
  return lines.map((l) => Buffer.from(JSON.parse(l).data, "base64").toString("utf8"));
}

/**
 * Follows `url` live from its tail with `live`, appends `items` one by one, and resolves the
 * items received (the reader stops once it has them all, or after 20 s).
 */
async function follow(url, live, items) {
  const handle = await DurableStream.connect({ url });
  const { offset } = await handle.head();
  const res = await stream({ url, offset, live });
  const got = [];
  const done = new Promise((resolve) => {
    res.subscribeJson(async (batch) => {
      got.push(...batch.items);
      if (got.length >= items.length) resolve(undefined);
    });
    setTimeout(resolve, 20_000);
  });
  // The reader is waiting at the tail before anything is appended.
  await sleep(500);
  for (const item of items) {
    await handle.append(JSON.stringify(item));
    await sleep(100);
  }
  await done;
  res.cancel();
  return got;
}

test("the client creates a stream, appends and reads it back; the records are the log's", async () => {
  const url = streamUrl("basic");
  const handle = await DurableStream.create({ url, contentType: "application/json" });
  await handle.append(JSON.stringify({ n: 1 }));
  // The client sends each append as one message (a JSON array of one item): an array
  // appended is one record.
  await handle.append(JSON.stringify([{ n: 2 }, { n: 3 }]));
  const res = await stream({ url, live: false });
  assert.deepEqual(await res.json(), [{ n: 1 }, [{ n: 2 }, { n: 3 }]]);
  assert.deepEqual(await logRecords(url), ['{"n":1}', '[{"n":2},{"n":3}]']);
});

test("the client follows a stream live by long-poll", { timeout: 40_000 }, async () => {
  const url = streamUrl("long-poll");
  await DurableStream.create({ url, contentType: "application/json" });
  const items = [{ live: "a" }, { live: "b" }, { live: "c" }];
  assert.deepEqual(await follow(url, "long-poll", items), items);
});

test("the client follows a stream live by SSE", { timeout: 40_000 }, async () => {
  const url = streamUrl("sse");
  await DurableStream.create({ url, contentType: "application/json" });
  const items = [{ live: 1 }, { live: 2 }, { live: 3 }];
  assert.deepEqual(await follow(url, "sse", items), items);
});

test("an IdempotentProducer writes each item once, in order", { timeout: 40_000 }, async () => {
  const url = streamUrl("producer");
  const handle = await DurableStream.create({ url, contentType: "application/json" });
  /** @type {unknown[]} */
  const errors = [];
  const producer = new IdempotentProducer(handle, "importer", {
    autoClaim: true,
    onError: (error) => errors.push(error),
  });
  const items = Array.from({ length: 50 }, (_, i) => ({ i }));
  for (const item of items) producer.append(JSON.stringify(item));
  await producer.flush();
  await producer.close();
  assert.deepEqual(errors, []);
  const res = await stream({ url, live: false });
  assert.deepEqual(await res.json(), items);
  assert.equal((await logRecords(url)).length, items.length);
});
