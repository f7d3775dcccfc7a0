// The append session's frames (src/protocol/session.ts): client and server messages round-trip,
// acks of consecutive single records share an ACK_RUN, and malformed input is a SyntaxError.
import assert from "node:assert/strict";
import {
  appendEntrySize,
  type ClientEntry,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientEntries,
  encodeServerEntries,
  SESSION_LIMITS,
} from "./session.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("client messages round-trip with their number, producer ids, records and batches", () => {
  const entries: ClientEntry[] = [
    { kind: "producer", id: "wrïter" },
    { kind: "record", producer: undefined, data: bytes("a") },
    { kind: "record", producer: { epoch: 2, seq: 2 ** 53 - 1 }, data: new Uint8Array([0, 255]) },
    { kind: "batch", producer: { epoch: 0, seq: 7 }, records: [bytes("b"), bytes("cd")] },
    { kind: "batch", producer: undefined, records: [] },
  ];
  const message = encodeClientEntries(41, entries);
  const decoded = decodeClientMessage(message);
  assert.equal(decoded.number, 41);
  assert.deepEqual(decoded.entries, entries);
  // The size the in-flight limit counts is the entry's encoded size.
  const sizes = entries.slice(1).map((e) =>
    appendEntrySize(e as Exclude<ClientEntry, { kind: "producer" }>)
  );
  const idBytes = 3 + bytes("wrïter").byteLength;
  assert.equal(message.byteLength, 8 + idBytes + sizes.reduce((a, b) => a + b, 0));
});

Deno.test("server messages round-trip; consecutive single new records share one ACK_RUN", () => {
  const hello = { ...SESSION_LIMITS, maxRecordSize: 100 };
  const message = encodeServerEntries([
    { kind: "hello", limits: hello },
    { kind: "ack", offset: 5, count: 1, duplicate: false },
    { kind: "ack", offset: 6, count: 1, duplicate: false },
    { kind: "ack", offset: 9, count: 1, duplicate: false },
    { kind: "ack", offset: 10, count: 3, duplicate: false },
    { kind: "ack", offset: 2, count: 1, duplicate: true },
    { kind: "error", body: '{"error":{"code":"BAD_REQUEST","message":"No"}}' },
    { kind: "sessionError", body: '{"error":{"code":"REQUEST_TOO_LARGE","message":"Too"}}' },
  ]);
  assert.deepEqual(decodeServerMessage(message), [
    { kind: "hello", limits: hello },
    { kind: "ackRun", offset: 5, n: 2 },
    { kind: "ackRun", offset: 9, n: 1 },
    { kind: "ack", offset: 10, count: 3, duplicate: false },
    { kind: "ack", offset: 2, count: 1, duplicate: true },
    { kind: "error", body: '{"error":{"code":"BAD_REQUEST","message":"No"}}' },
    { kind: "sessionError", body: '{"error":{"code":"REQUEST_TOO_LARGE","message":"Too"}}' },
  ]);
});

Deno.test("malformed messages are a SyntaxError", () => {
  const number = new Uint8Array(8);
  const withNumber = (...rest: number[]) => new Uint8Array([...number, ...rest]);
  for (
    const bad of [
      new Uint8Array(0),
      number,
      new Uint8Array([0xff, 0xf8, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), // NaN
      withNumber(4),
      withNumber(1, 0, 0, 0, 0, 2, 1),
      withNumber(1, 4, 0, 0, 0, 0),
      withNumber(2, 0, 0, 0, 0, 3),
      withNumber(3, 0, 2, 0xc3),
    ]
  ) {
    assert.throws(() => decodeClientMessage(bad), SyntaxError, String(bad));
  }
  for (const bad of [[0x11, 0, 0], [0x10, 0, 0, 0, 2, 0x7b, 0x7d], [0x20], [0x12, 0]]) {
    assert.throws(() => decodeServerMessage(new Uint8Array(bad)), SyntaxError, String(bad));
  }
});
