import assert from "node:assert/strict";
import {
  decodeBatch,
  decodeRecordLines,
  decodeTailFrame,
  encodeBatch,
  encodeRecordLine,
  encodeTailFrame,
  fromBase64,
  toBase64,
  type WireRecord,
} from "./wire.ts";

const every = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("`encodeBatch()` writes big-endian u32 lengths before each record", () => {
  const body = encodeBatch([new Uint8Array(0x0102).fill(7), new Uint8Array([9])]);
  assert.deepEqual(body.subarray(0, 4), new Uint8Array([0, 0, 1, 2]));
  assert.equal(body.byteLength, 4 + 0x0102 + 4 + 1);
  assert.deepEqual(body.subarray(4 + 0x0102), new Uint8Array([0, 0, 0, 1, 9]));
});

Deno.test("`encodeBatch()` copies: changing a record afterwards leaves the body alone", () => {
  const record = new Uint8Array([1, 2]);
  const body = encodeBatch([record]);
  record.fill(0);
  assert.deepEqual(body, new Uint8Array([0, 0, 0, 2, 1, 2]));
});

Deno.test("`decodeBatch()` inverts `encodeBatch()`, empty records and views included", () => {
  const backing = new Uint8Array(300);
  backing.set(every, 20);
  const records = [every, new Uint8Array(0), backing.subarray(20, 30)];
  const body = encodeBatch(records);
  // A view into a larger buffer, as a request body may be.
  const framed = new Uint8Array(body.byteLength + 8);
  framed.set(body, 5);
  assert.deepEqual(decodeBatch(framed.subarray(5, 5 + body.byteLength), 10), records);
  assert.deepEqual(decodeBatch(new Uint8Array(0), 10), []);
});

Deno.test("`decodeBatch()` throws SyntaxError for a truncated prefix or record", () => {
  assert.throws(() => decodeBatch(new Uint8Array([0, 0, 0]), 10), SyntaxError);
  assert.throws(() => decodeBatch(new Uint8Array([0, 0, 0, 3, 1, 2]), 10), SyntaxError);
  const good = encodeBatch([new Uint8Array([1])]);
  assert.throws(() => decodeBatch(good.subarray(0, good.byteLength - 1), 10), SyntaxError);
});

Deno.test("`decodeBatch()` throws RangeError past maxCount records, and accepts exactly it", () => {
  const three = encodeBatch([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]);
  assert.equal(decodeBatch(three, 3).length, 3);
  assert.throws(() => decodeBatch(three, 2), RangeError);
});

Deno.test("`decodeTailFrame()` inverts `encodeTailFrame()` with copies of the bytes", () => {
  const records: WireRecord[] = [
    { offset: 0, created: 1767225600000, data: every },
    { offset: 2 ** 53 - 1, created: 0, data: new Uint8Array(0) },
    { offset: 2 ** 32 + 5, created: 1, data: new Uint8Array([42]) },
  ];
  const frame = encodeTailFrame(records);
  assert.equal(frame.byteLength, 3 * 20 + 256 + 1);
  const decoded = decodeTailFrame(frame);
  assert.deepEqual(decoded, records);
  frame.fill(0);
  assert.deepEqual(decoded[0]!.data, every, "decoded bytes must not share the frame's buffer");
});

Deno.test("`decodeTailFrame()` throws SyntaxError for truncated or invalid frames", () => {
  const frame = encodeTailFrame([{ offset: 1, created: 2, data: new Uint8Array([1, 2, 3]) }]);
  assert.throws(() => decodeTailFrame(frame.subarray(0, 19)), SyntaxError);
  assert.throws(() => decodeTailFrame(frame.subarray(0, frame.byteLength - 1)), SyntaxError);
  const bad = frame.slice();
  new DataView(bad.buffer).setFloat64(0, 1.5);
  assert.throws(() => decodeTailFrame(bad), SyntaxError);
  new DataView(bad.buffer).setFloat64(0, -1);
  assert.throws(() => decodeTailFrame(bad), SyntaxError);
});

Deno.test("`toBase64()` and `fromBase64()` are RFC 4648 base64 with padding", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(toBase64(text("")), "");
  assert.equal(toBase64(text("f")), "Zg==");
  assert.equal(toBase64(text("fo")), "Zm8=");
  assert.equal(toBase64(text("foo")), "Zm9v");
  assert.equal(toBase64(every).slice(0, 8), "AAECAwQF");
  assert.deepEqual(fromBase64(toBase64(every)), every);
  const large = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  assert.deepEqual(fromBase64(toBase64(large)), large);
});

Deno.test("`fromBase64()` throws SyntaxError for text that is not base64", () => {
  assert.throws(() => fromBase64("not base64!"), SyntaxError);
});

Deno.test("`decodeRecordLines()` inverts `encodeRecordLine()` and skips blank lines", () => {
  const records: WireRecord[] = [
    { offset: 4, created: 1767225600000, data: every },
    { offset: 5, created: 1767225600001, data: new Uint8Array([0xff]) },
  ];
  const body = records.map(encodeRecordLine).join("") + "\n";
  assert.deepEqual(decodeRecordLines(body), records);
  assert.deepEqual(decodeRecordLines(""), []);
});

Deno.test("`decodeRecordLines()` throws SyntaxError for lines that are not records", () => {
  for (
    const line of [
      "{",
      "null",
      '{"offset":1,"created":2}',
      '{"offset":-1,"created":2,"data":""}',
      '{"offset":1.5,"created":2,"data":""}',
      '{"offset":1,"created":2,"data":7}',
    ]
  ) {
    assert.throws(() => decodeRecordLines(line), SyntaxError, line);
  }
});
