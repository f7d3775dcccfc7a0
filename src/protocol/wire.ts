/**
 * The binary-safe framings of the edgelog HTTP and WebSocket protocol (PROTOCOL.md), shared
 * by the Worker, which encodes tail frames and decodes batch bodies, and the client, which
 * does the opposite: batch request bodies, tail frames, NDJSON read lines with base64 data.
 *
 * The content types that name these framings are in `headers.ts`.
 *
 * Decoders throw `SyntaxError` for malformed input and `RangeError` when well-formed input
 * exceeds a limit they were given; they use nothing but the language, so they run in every
 * runtime.
 *
 * @example Round-tripping a batch body
 * ```ts
 * import { decodeBatch, encodeBatch } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const body = encodeBatch([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * assert.deepEqual(body, new Uint8Array([0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 3]));
 * assert.deepEqual(decodeBatch(body, 1000), [new Uint8Array([1, 2]), new Uint8Array([3])]);
 * ```
 *
 * @module
 */

/** Bytes before each record in a tail frame: f64 offset, f64 created, u32 length. */
export const TAIL_RECORD_HEADER = 20;

/** Bytes before each record in a batch body: its u32 length. */
const BATCH_RECORD_HEADER = 4;

/** A record as the wire carries it: offset, creation time in milliseconds, bytes. */
export interface WireRecord {
  /** The record's offset. */
  offset: number;
  /** Its creation time in milliseconds since the Unix epoch. */
  created: number;
  /** Its bytes. */
  data: Uint8Array;
}

/**
 * The error of a batch with more records than a limit allows.
 *
 * @param max The most records accepted.
 * @param count How many the batch holds, when known.
 * @returns The `RangeError`.
 */
export function tooManyBatchRecords(max: number, count?: number): RangeError {
  const got = count === undefined ? "" : `, got "${count}"`;
  return new RangeError(`A batch holds at most "${max}" records${got}`);
}

/**
 * The message of a batch body over a size limit, its length prefixes included.
 *
 * @param max The most bytes accepted.
 * @param size The body's size, or the bytes read of it before it went past `max`.
 * @param orMore `true` when `size` is what was read before the body was refused.
 * @returns The message.
 */
export function batchTooLargeMessage(max: number, size: number, orMore = false): string {
  return `A batch body holds at most "${max}" bytes, got "${size}"${orMore ? " or more" : ""}`;
}

/**
 * The size of the batch body of `records` (`POST /logs/{name}/batch`), length prefixes
 * included: what the batch limit (`MAX_BATCH_BYTES`) counts, without building it.
 *
 * @param records The records.
 * @returns The body's size in bytes.
 *
 * @example
 * ```ts ignore
 * batchBodySize([new Uint8Array(3), new Uint8Array(1)]); // 12
 * ```
 */
export function batchBodySize(records: readonly Uint8Array[]): number {
  let size = 0;
  for (const record of records) size += BATCH_RECORD_HEADER + record.byteLength;
  return size;
}

/**
 * Builds a batch body: each record as a 4-byte big-endian length followed by its bytes.
 * The body is a new buffer: changing the records afterwards does not change it.
 *
 * @param records The records, in order.
 * @returns The body.
 *
 * @example
 * ```ts
 * import { encodeBatch } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(encodeBatch([new Uint8Array([9])]), new Uint8Array([0, 0, 0, 1, 9]));
 * ```
 */
export function encodeBatch(records: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const r of records) size += BATCH_RECORD_HEADER + r.byteLength;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const r of records) {
    view.setUint32(at, r.byteLength);
    body.set(r, at + BATCH_RECORD_HEADER);
    at += BATCH_RECORD_HEADER + r.byteLength;
  }
  return body;
}

/**
 * Splits a batch body (see {@linkcode encodeBatch}) into its records.
 *
 * @param body The body.
 * @param maxCount The most records accepted.
 * @returns Views of the records into `body`, in order.
 * @throws {SyntaxError} When a length prefix or a record is truncated.
 * @throws {RangeError} When the body holds more than `maxCount` records.
 *
 * @example
 * ```ts
 * import { decodeBatch } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decodeBatch(new Uint8Array([0, 0, 0, 1, 9]), 10), [new Uint8Array([9])]);
 * assert.throws(() => decodeBatch(new Uint8Array([0, 0, 0, 2, 9]), 10), SyntaxError);
 * ```
 */
export function decodeBatch(body: Uint8Array, maxCount: number): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < body.byteLength) {
    if (body.byteLength - at < BATCH_RECORD_HEADER) {
      throw new SyntaxError(`Truncated length prefix at byte "${at}"`);
    }
    const length = view.getUint32(at);
    at += BATCH_RECORD_HEADER;
    if (length > body.byteLength - at) {
      throw new SyntaxError(`Record "${records.length}" is truncated at byte "${at}"`);
    }
    if (records.length === maxCount) throw tooManyBatchRecords(maxCount);
    records.push(body.subarray(at, at + length));
    at += length;
  }
  return records;
}

/**
 * Encodes records into one binary tail frame: each record as
 * `[f64 offset][f64 created ms][u32 length][bytes]`, big-endian.
 *
 * @param records The records, in offset order.
 * @returns The frame.
 *
 * @example
 * ```ts
 * import { decodeTailFrame, encodeTailFrame } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const records = [{ offset: 5, created: 1767225600000, data: new Uint8Array([1]) }];
 * assert.deepEqual(decodeTailFrame(encodeTailFrame(records)), records);
 * ```
 */
export function encodeTailFrame(records: readonly WireRecord[]): Uint8Array {
  let size = 0;
  for (const r of records) size += TAIL_RECORD_HEADER + r.data.byteLength;
  const frame = new Uint8Array(size);
  const view = new DataView(frame.buffer);
  let at = 0;
  for (const r of records) {
    view.setFloat64(at, r.offset);
    view.setFloat64(at + 8, r.created);
    view.setUint32(at + 16, r.data.byteLength);
    frame.set(r.data, at + TAIL_RECORD_HEADER);
    at += TAIL_RECORD_HEADER + r.data.byteLength;
  }
  return frame;
}

/**
 * Decodes a binary tail frame (see {@linkcode encodeTailFrame}). Each record's bytes are a
 * copy: they never share the frame's buffer.
 *
 * @param frame The frame's bytes.
 * @returns The records, in frame order.
 * @throws {SyntaxError} When a record header or record is truncated, or an offset or time
 * is not a non-negative safe integer.
 *
 * @example
 * ```ts
 * import { decodeTailFrame } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => decodeTailFrame(new Uint8Array(19)), SyntaxError);
 * ```
 */
export function decodeTailFrame(frame: Uint8Array): WireRecord[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const records: WireRecord[] = [];
  let at = 0;
  while (at < frame.byteLength) {
    if (frame.byteLength - at < TAIL_RECORD_HEADER) {
      throw new SyntaxError(`Truncated record header at byte "${at}" of a tail frame`);
    }
    const offset = view.getFloat64(at);
    const created = view.getFloat64(at + 8);
    const length = view.getUint32(at + 16);
    const start = at + TAIL_RECORD_HEADER;
    if (length > frame.byteLength - start) {
      throw new SyntaxError(`Record at offset "${offset}" is truncated in a tail frame`);
    }
    if (!isWireInteger(offset) || !isWireInteger(created)) {
      throw new SyntaxError(`Invalid offset "${offset}" or time "${created}" in a tail frame`);
    }
    records.push({ offset, created, data: frame.slice(start, start + length) });
    at = start + length;
  }
  return records;
}

/**
 * Standard base64 (RFC 4648, padded) of `bytes`, as NDJSON read lines carry record data.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 *
 * @example
 * ```ts
 * import { toBase64 } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(toBase64(new TextEncoder().encode("hello")), "aGVsbG8=");
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Spreading more than ~64 Ki arguments overflows the stack in some engines.
  for (let i = 0; i < bytes.byteLength; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Decodes standard base64 (see {@linkcode toBase64}).
 *
 * @param text The base64 text.
 * @returns The bytes.
 * @throws {SyntaxError} When `text` is not valid base64.
 *
 * @example
 * ```ts
 * import { fromBase64 } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TextDecoder().decode(fromBase64("aGVsbG8=")), "hello");
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    // atob throws a DOMException in browsers and Deno, but other classes elsewhere.
    throw new SyntaxError(`Invalid base64 text of "${text.length}" characters`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Encodes one line of a batch read: `{"offset":N,"created":ms,"data":"base64"}` and a
 * newline.
 *
 * @param record The record.
 * @returns The line, newline included.
 *
 * @example
 * ```ts
 * import { encodeRecordLine } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const line = encodeRecordLine({ offset: 0, created: 1, data: new Uint8Array([104, 105]) });
 * assert.equal(line, '{"offset":0,"created":1,"data":"aGk="}\n');
 * ```
 */
export function encodeRecordLine(record: WireRecord): string {
  // What JSON.stringify writes for these fields (safe integers, base64 needs no escapes),
  // without building an object per record: a batch read writes up to 1000 lines.
  return `{"offset":${record.offset},"created":${record.created},"data":"${
    toBase64(record.data)
  }"}\n`;
}

/**
 * Decodes the NDJSON body of a batch read: one {@linkcode encodeRecordLine} line per
 * record. Blank lines are skipped.
 *
 * @param text The body.
 * @returns The records, in body order.
 * @throws {SyntaxError} When a line is not such an object.
 *
 * @example
 * ```ts
 * import { decodeRecordLines } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const [record] = decodeRecordLines('{"offset":3,"created":7,"data":"aGk="}\n');
 * assert.deepEqual(record, { offset: 3, created: 7, data: new Uint8Array([104, 105]) });
 * ```
 */
export function decodeRecordLines(text: string): WireRecord[] {
  const records: WireRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) {
      throw new SyntaxError(`Expected a record object, got "${line.slice(0, 80)}"`);
    }
    const { offset, created, data } = parsed as Record<string, unknown>;
    if (!isWireInteger(offset) || !isWireInteger(created) || typeof data !== "string") {
      throw new SyntaxError(`Expected offset, created and data in "${line.slice(0, 80)}"`);
    }
    records.push({ offset, created, data: fromBase64(data) });
  }
  return records;
}

function isWireInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
