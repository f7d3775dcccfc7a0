// test/e2e/client.mjs is plain JavaScript for Node 20, which cannot load the protocol's
// TypeScript modules: the facts it repeats must be the protocol's own.
import assert from "node:assert/strict";
import { BATCH_CONTENT_TYPE, DUPLICATE_HEADER } from "../../src/protocol/headers.ts";
import { producerHeaders } from "../../src/protocol/producer.ts";
import { encodeBatch } from "../../src/protocol/wire.ts";
import * as client from "./client.mjs";

Deno.test("client.mjs repeats the protocol's header names, content type and batch framing", () => {
  assert.equal(client.BATCH_CONTENT_TYPE, BATCH_CONTENT_TYPE);
  assert.equal(client.DUPLICATE_HEADER, DUPLICATE_HEADER);
  const producer = { id: "p", epoch: 3, seq: 9 };
  assert.deepEqual(client.producerHeaders(producer), producerHeaders(producer));
  const records = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])];
  assert.deepEqual(new Uint8Array(client.encodeBatch(records)), encodeBatch(records));
});
