/**
 * The append session (PROTOCOL.md, Append session): a WebSocket at `/logs/{name}/session` on
 * which a writer pipelines appends and receives, in order, each one's answer after its
 * commit. Every frame layout, limit and close code of the session, used by the Worker and the
 * client alike.
 *
 * Messages are binary. Each holds one or more entries, back to back; numbers are big-endian,
 * `f64` an IEEE 754 double holding a safe integer.
 *
 * Client to server: `[f64 number]` then the entries. The number counts the client's
 * messages on the connection from 0: the runtime may hand a Durable Object the messages of
 * one socket out of order, so the server takes them by number, not by arrival.
 *
 * - `PRODUCER` `[u8 0x03][u16 length][length bytes of UTF-8 id]`: the producer id of the
 *   session's later appends that carry a producer.
 * - `RECORD` `[u8 0x01][u8 flags][f64 epoch][f64 seq][u32 length][bytes]`: one record.
 * - `BATCH` `[u8 0x02][u8 flags][f64 epoch][f64 seq][u32 count]` then `count` times
 *   `[u32 length][bytes]`: records appended atomically.
 *
 * `flags` bit 0 says the append names the producer: the epoch and seq are there only then.
 *
 * Server to client:
 *
 * - `HELLO` `[u8 0x10][u32 length][JSON]`: the session's limits ({@linkcode SessionHello}),
 *   sent once when the session opens.
 * - `ACK` `[u8 0x11][f64 offset][u32 count][u8 flags]`: the next append is committed at
 *   `offset` (its first record) with `count` records; flags bit 0: a producer's retry of
 *   a write already stored (nothing written now).
 * - `ACK_RUN` `[u8 0x12][f64 offset][u32 n]`: the next `n` appends, single records and no
 *   retries, are committed at `offset`, `offset + 1`, ... `offset + n - 1`.
 * - `ERROR` `[u8 0x13][u32 length][JSON error body]`: the next append failed and wrote
 *   nothing; the session goes on.
 * - `SESSION_ERROR` `[u8 0x14][u32 length][JSON error body]`: the session broke a rule (a
 *   malformed message, a limit): every append before it was answered, none after it is;
 *   the server closes with {@linkcode CLOSE_SESSION_ERROR}.
 *
 * @example An append and its answer
 * ```ts
 * import {
 *   decodeServerMessage,
 *   decodeClientMessage,
 *   encodeClientEntries,
 *   encodeServerEntries,
 * } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * const message = encodeClientEntries(0, [
 *   { kind: "producer", id: "w1" },
 *   { kind: "record", producer: { epoch: 0, seq: 0 }, data: new Uint8Array([7]) },
 * ]);
 * assert.equal(decodeClientMessage(message).entries.length, 2);
 * const answer = encodeServerEntries([{ kind: "ack", offset: 5, count: 1, duplicate: false }]);
 * assert.deepEqual(decodeServerMessage(answer), [{ kind: "ackRun", offset: 5, n: 1 }]);
 * ```
 *
 * @module
 */
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "./limits.ts";

/** The most bytes of appends a writer may have sent and not yet had answered: 16 MiB. */
export const MAX_SESSION_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/** The most appends a writer may have sent and not yet had answered. */
export const MAX_SESSION_IN_FLIGHT_APPENDS = 8192;

/** The close code the server sends after a `SESSION_ERROR`. */
export const CLOSE_SESSION_ERROR = 4400;
/** The close reason sent with {@linkcode CLOSE_SESSION_ERROR}. */
export const CLOSE_SESSION_ERROR_REASON = "SESSION_ERROR";

/** The limits the server announces in its `HELLO`. */
export interface SessionHello {
  /** The most bytes of entries (as encoded) in flight: {@linkcode MAX_SESSION_IN_FLIGHT_BYTES}. */
  maxInFlightBytes: number;
  /** The most appends in flight: {@linkcode MAX_SESSION_IN_FLIGHT_APPENDS}. */
  maxInFlightAppends: number;
  /** The most records in one batch entry. */
  maxBatchRecords: number;
  /** The most bytes of one batch entry's records, with 4 bytes counted for each. */
  maxBatchBytes: number;
  /** The log's largest record when the session opened (its config may change later). */
  maxRecordSize: number;
}

/** The limits of a session, before the log's own `maxRecordSize` is added. */
export const SESSION_LIMITS: Omit<SessionHello, "maxRecordSize"> = {
  maxInFlightBytes: MAX_SESSION_IN_FLIGHT_BYTES,
  maxInFlightAppends: MAX_SESSION_IN_FLIGHT_APPENDS,
  maxBatchRecords: MAX_BATCH_RECORDS,
  maxBatchBytes: MAX_BATCH_BYTES,
};

/** The epoch and seq of an append that names the session's producer. */
export interface SessionSeq {
  /** The producer's epoch. */
  epoch: number;
  /** The write's seq within the epoch. */
  seq: number;
}

/** An entry a client sends. */
export type ClientEntry =
  | { kind: "producer"; id: string }
  | { kind: "record"; producer?: SessionSeq | undefined; data: Uint8Array }
  | { kind: "batch"; producer?: SessionSeq | undefined; records: Uint8Array[] };

/** An append's answer, or another entry the server sends. */
export type ServerEntry =
  | { kind: "hello"; limits: SessionHello }
  | { kind: "ack"; offset: number; count: number; duplicate: boolean }
  | { kind: "ackRun"; offset: number; n: number }
  | { kind: "error"; body: string }
  | { kind: "sessionError"; body: string };

const RECORD = 0x01;
const BATCH = 0x02;
const PRODUCER = 0x03;
const HELLO = 0x10;
const ACK = 0x11;
const ACK_RUN = 0x12;
const ERROR = 0x13;
const SESSION_ERROR = 0x14;
const FLAG_PRODUCER = 1;
/** The bytes of a client message before its entries: its number. */
const MESSAGE_HEADER = 8;
const FLAG_DUPLICATE = 1;

/** The longest producer id entry, in UTF-8 bytes (256 UTF-16 units take at most 768). */
const MAX_PRODUCER_ID_BYTES = 1024;

/**
 * The bytes an append entry takes once encoded: what the in-flight limit counts.
 *
 * @param entry A `record` or `batch` entry.
 * @returns Its encoded size.
 *
 * @example
 * ```ts
 * import { appendEntrySize } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(appendEntrySize({ kind: "record", data: new Uint8Array(64) }), 70);
 * ```
 */
export function appendEntrySize(entry: Exclude<ClientEntry, { kind: "producer" }>): number {
  const head = 2 + (entry.producer === undefined ? 0 : 16);
  if (entry.kind === "record") return head + 4 + entry.data.byteLength;
  let size = head + 4;
  for (const record of entry.records) size += 4 + record.byteLength;
  return size;
}

/**
 * Encodes client entries as one message.
 *
 * @param number The message's number on its connection: 0, 1, 2...
 * @param entries The entries, in order.
 * @returns The message.
 *
 * @example
 * ```ts
 * import { encodeClientEntries } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * const message = encodeClientEntries(0, [{ kind: "record", data: new Uint8Array([9]) }]);
 * assert.deepEqual(message, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 9]));
 * ```
 */
export function encodeClientEntries(number: number, entries: readonly ClientEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const ids = new Map<ClientEntry, Uint8Array>();
  let size = MESSAGE_HEADER;
  for (const entry of entries) {
    if (entry.kind === "producer") {
      const id = encoder.encode(entry.id);
      ids.set(entry, id);
      size += 3 + id.byteLength;
    } else size += appendEntrySize(entry);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setFloat64(0, number);
  let at = MESSAGE_HEADER;
  for (const entry of entries) {
    if (entry.kind === "producer") {
      const id = ids.get(entry)!;
      out[at] = PRODUCER;
      view.setUint16(at + 1, id.byteLength);
      out.set(id, at + 3);
      at += 3 + id.byteLength;
      continue;
    }
    out[at] = entry.kind === "record" ? RECORD : BATCH;
    out[at + 1] = entry.producer === undefined ? 0 : FLAG_PRODUCER;
    at += 2;
    if (entry.producer !== undefined) {
      view.setFloat64(at, entry.producer.epoch);
      view.setFloat64(at + 8, entry.producer.seq);
      at += 16;
    }
    if (entry.kind === "record") {
      view.setUint32(at, entry.data.byteLength);
      out.set(entry.data, at + 4);
      at += 4 + entry.data.byteLength;
    } else {
      view.setUint32(at, entry.records.length);
      at += 4;
      for (const record of entry.records) {
        view.setUint32(at, record.byteLength);
        out.set(record, at + 4);
        at += 4 + record.byteLength;
      }
    }
  }
  return out;
}

/**
 * Decodes a client's message. Record bytes are views into `message`.
 *
 * @param message The message.
 * @returns Its number and its entries, in order.
 * @throws {SyntaxError} When the message has no valid number or no entry, an entry has an unknown kind or flag, is
 * cut off, or a producer id is not UTF-8 (the server answers `SESSION_ERROR` `BAD_REQUEST`).
 *
 * @example
 * ```ts
 * import { decodeClientMessage } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => decodeClientMessage(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 9])), SyntaxError);
 * ```
 */
export function decodeClientMessage(
  message: Uint8Array,
): { number: number; entries: ClientEntry[] } {
  if (message.byteLength <= MESSAGE_HEADER) {
    throw new SyntaxError("A session message holds its number and at least one entry");
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const number = view.getFloat64(0);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new SyntaxError(
      `A session message's number must be a non-negative integer, got "${number}"`,
    );
  }
  const entries: ClientEntry[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let at = MESSAGE_HEADER;
  const need = (bytes: number, what: string) => {
    if (at + bytes > message.byteLength) {
      throw new SyntaxError(`The session message is cut off in ${what} at byte "${at}"`);
    }
  };
  while (at < message.byteLength) {
    const kind = message[at]!;
    if (kind === PRODUCER) {
      need(3, "a producer entry");
      const length = view.getUint16(at + 1);
      if (length === 0 || length > MAX_PRODUCER_ID_BYTES) {
        throw new SyntaxError(
          `A producer id takes 1 to ${MAX_PRODUCER_ID_BYTES} bytes, got "${length}"`,
        );
      }
      at += 3;
      need(length, "a producer id");
      let id: string;
      try {
        id = decoder.decode(message.subarray(at, at + length));
      } catch {
        throw new SyntaxError("A producer id must be UTF-8");
      }
      entries.push({ kind: "producer", id });
      at += length;
      continue;
    }
    if (kind !== RECORD && kind !== BATCH) {
      throw new SyntaxError(`Unknown session entry kind "${kind}" at byte "${at}"`);
    }
    need(2, "an append entry");
    const flags = message[at + 1]!;
    if ((flags & ~FLAG_PRODUCER) !== 0) throw new SyntaxError(`Unknown append flags "${flags}"`);
    at += 2;
    let producer: SessionSeq | undefined;
    if (flags & FLAG_PRODUCER) {
      need(16, "a producer's epoch and seq");
      producer = { epoch: view.getFloat64(at), seq: view.getFloat64(at + 8) };
      at += 16;
    }
    need(4, "a length");
    const n = view.getUint32(at);
    at += 4;
    if (kind === RECORD) {
      need(n, "a record");
      entries.push({ kind: "record", producer, data: message.subarray(at, at + n) });
      at += n;
      continue;
    }
    // Each record takes at least its 4-byte length: a count past that is cut off.
    need(4 * n, "a batch's records");
    const records = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) {
      need(4, "a record length");
      const length = view.getUint32(at);
      at += 4;
      need(length, "a record");
      records[i] = message.subarray(at, at + length);
      at += length;
    }
    entries.push({ kind: "batch", producer, records });
  }
  return { number, entries };
}

/**
 * Encodes server entries as one message. Consecutive acks of single, new records at
 * consecutive offsets become one `ACK_RUN`.
 *
 * @param entries The entries, in order.
 * @returns The message.
 *
 * @example
 * ```ts
 * import { decodeServerMessage, encodeServerEntries } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * const message = encodeServerEntries([
 *   { kind: "ack", offset: 3, count: 1, duplicate: false },
 *   { kind: "ack", offset: 4, count: 1, duplicate: false },
 * ]);
 * assert.deepEqual(decodeServerMessage(message), [{ kind: "ackRun", offset: 3, n: 2 }]);
 * ```
 */
export function encodeServerEntries(entries: readonly ServerEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts: ServerEntry[] = [];
  for (const entry of entries) {
    const last = parts[parts.length - 1];
    if (entry.kind === "ack" && entry.count === 1 && !entry.duplicate) {
      if (last?.kind === "ackRun" && last.offset + last.n === entry.offset) {
        last.n++;
        continue;
      }
      parts.push({ kind: "ackRun", offset: entry.offset, n: 1 });
    } else parts.push(entry);
  }
  const texts = new Map<ServerEntry, Uint8Array>();
  let size = 0;
  for (const part of parts) {
    if (part.kind === "ack") size += 14;
    else if (part.kind === "ackRun") size += 13;
    else {
      const text = encoder.encode(part.kind === "hello" ? JSON.stringify(part.limits) : part.body);
      texts.set(part, text);
      size += 5 + text.byteLength;
    }
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    switch (part.kind) {
      case "ack":
        out[at] = ACK;
        view.setFloat64(at + 1, part.offset);
        view.setUint32(at + 9, part.count);
        out[at + 13] = part.duplicate ? FLAG_DUPLICATE : 0;
        at += 14;
        break;
      case "ackRun":
        out[at] = ACK_RUN;
        view.setFloat64(at + 1, part.offset);
        view.setUint32(at + 9, part.n);
        at += 13;
        break;
      default: {
        const text = texts.get(part)!;
        out[at] = part.kind === "hello" ? HELLO : part.kind === "error" ? ERROR : SESSION_ERROR;
        view.setUint32(at + 1, text.byteLength);
        out.set(text, at + 5);
        at += 5 + text.byteLength;
      }
    }
  }
  return out;
}

/**
 * Decodes a server's message.
 *
 * @param message The message.
 * @returns Its entries, in order (acks as sent: `ack` or `ackRun`).
 * @throws {SyntaxError} When an entry is unknown or cut off, or a `HELLO` is not the JSON
 * of {@linkcode SessionHello}.
 *
 * @example
 * ```ts
 * import { decodeServerMessage } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => decodeServerMessage(new Uint8Array([0x11, 0])), SyntaxError);
 * ```
 */
export function decodeServerMessage(message: Uint8Array): ServerEntry[] {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const decoder = new TextDecoder();
  const entries: ServerEntry[] = [];
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > message.byteLength) {
      throw new SyntaxError(`The session answer is cut off at byte "${at}"`);
    }
  };
  while (at < message.byteLength) {
    const kind = message[at]!;
    at++;
    if (kind === ACK) {
      need(13);
      const offset = view.getFloat64(at);
      const count = view.getUint32(at + 8);
      entries.push({ kind: "ack", offset, count, duplicate: (message[at + 12]! & 1) !== 0 });
      at += 13;
    } else if (kind === ACK_RUN) {
      need(12);
      entries.push({ kind: "ackRun", offset: view.getFloat64(at), n: view.getUint32(at + 8) });
      at += 12;
    } else if (kind === HELLO || kind === ERROR || kind === SESSION_ERROR) {
      need(4);
      const length = view.getUint32(at);
      at += 4;
      need(length);
      const text = decoder.decode(message.subarray(at, at + length));
      at += length;
      if (kind === HELLO) entries.push({ kind: "hello", limits: parseHello(text) });
      else entries.push({ kind: kind === ERROR ? "error" : "sessionError", body: text });
    } else {
      throw new SyntaxError(`Unknown session answer kind "${kind}" at byte "${at - 1}"`);
    }
  }
  return entries;
}

function parseHello(text: string): SessionHello {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SyntaxError("The session's HELLO is not JSON");
  }
  const fields = body as Record<string, unknown>;
  const names = [
    "maxInFlightBytes",
    "maxInFlightAppends",
    "maxBatchRecords",
    "maxBatchBytes",
    "maxRecordSize",
  ] as const;
  for (const name of names) {
    const value = typeof body === "object" && body !== null ? fields[name] : undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new SyntaxError(`The session's HELLO lacks a positive integer "${name}"`);
    }
  }
  return {
    maxInFlightBytes: fields.maxInFlightBytes as number,
    maxInFlightAppends: fields.maxInFlightAppends as number,
    maxBatchRecords: fields.maxBatchRecords as number,
    maxBatchBytes: fields.maxBatchBytes as number,
    maxRecordSize: fields.maxRecordSize as number,
  };
}

/**
 * The message of a message that would take the session past its in-flight limits
 * (`SESSION_ERROR` `REQUEST_TOO_LARGE`).
 *
 * @param appends The appends in flight with the message's.
 * @param bytes Their encoded bytes.
 * @returns The message.
 */
export function inFlightMessage(appends: number, bytes: number): string {
  return `A session has at most "${MAX_SESSION_IN_FLIGHT_APPENDS}" appends and ` +
    `"${MAX_SESSION_IN_FLIGHT_BYTES}" bytes in flight, got "${appends}" and "${bytes}"`;
}

/**
 * How far ahead of the next message a message's number may be: messages that arrive early
 * wait in memory for the ones before them; one further ahead is a `SESSION_ERROR`.
 */
export const MAX_SESSION_MESSAGES_AHEAD = 1024;

/** The message of a text message on a session (`SESSION_ERROR` `BAD_REQUEST`). */
export const TEXT_MESSAGE_MESSAGE = "Session messages are binary";

/**
 * The message of a message number used twice (`SESSION_ERROR` `BAD_REQUEST`).
 *
 * @param number The number.
 * @returns The message.
 */
export function repeatedMessageMessage(number: number): string {
  return `Message "${number}" came twice`;
}

/**
 * The message of a message that arrived too far ahead of one still missing, by number or by
 * the bytes waiting for it (`SESSION_ERROR` `BAD_REQUEST`).
 *
 * @param number The message's number.
 * @param next The number of the message still missing.
 * @returns The message.
 */
export function tooFarAheadMessage(number: number, next: number): string {
  return `Message "${number}" is too far ahead of message "${next}", still missing`;
}

/** The message of an append naming the producer before the session named its id. */
export const NO_PRODUCER_ID_MESSAGE =
  "Name the session's producer (a PRODUCER entry) before an append that carries its seq";
