/**
 * Binary-safe framings of the HTTP API and the tail: batch request bodies, tail frames,
 * base64 for NDJSON.
 *
 * @module
 */
import { HttpError } from "./http.ts";

/** The content type of a batch request body. */
export const BATCH_CONTENT_TYPE = "application/vnd.edgelog.batch";

/** Bytes before each record in a tail frame: f64 offset, f64 created, u32 length. */
export const TAIL_RECORD_HEADER = 20;

/**
 * Splits a batch body: repeated `[u32 big-endian length][length bytes]`.
 *
 * @param body The request body.
 * @param maxCount The most records accepted.
 * @returns Views of the records, in order.
 * @throws {HttpError} `BAD_REQUEST` when the framing is broken, `REQUEST_TOO_LARGE` past
 * `maxCount` records.
 */
export function decodeBatch(body: Uint8Array, maxCount: number): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < body.byteLength) {
    if (body.byteLength - at < 4) {
      throw new HttpError("BAD_REQUEST", `Truncated length prefix at byte ${at}`);
    }
    const length = view.getUint32(at);
    at += 4;
    if (length > body.byteLength - at) {
      throw new HttpError("BAD_REQUEST", `Record ${records.length} is truncated at byte ${at}`);
    }
    if (records.length === maxCount) {
      throw new HttpError("REQUEST_TOO_LARGE", `A batch holds at most ${maxCount} records`);
    }
    records.push(body.subarray(at, at + length));
    at += length;
  }
  return records;
}

/**
 * Builds a batch body from records (the inverse of {@linkcode decodeBatch}).
 *
 * @param records The records.
 * @returns The body.
 */
export function encodeBatch(records: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const r of records) size += 4 + r.byteLength;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const r of records) {
    view.setUint32(at, r.byteLength);
    body.set(r, at + 4);
    at += 4 + r.byteLength;
  }
  return body;
}

/** A record as the tail sends it. */
export interface TailRecord {
  /** The record's offset. */
  offset: number;
  /** Its creation time in milliseconds since the epoch. */
  created: number;
  /** Its bytes. */
  data: Uint8Array;
}

/**
 * Encodes records into one binary tail frame: repeated
 * `[f64 offset][f64 created ms][u32 length][bytes]`, big-endian.
 *
 * @param records The records, in offset order.
 * @returns The frame.
 */
export function encodeTailFrame(records: readonly TailRecord[]): Uint8Array {
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
 * Decodes a binary tail frame (the inverse of {@linkcode encodeTailFrame}).
 *
 * @param frame The frame's bytes.
 * @returns The records.
 */
export function decodeTailFrame(frame: Uint8Array): TailRecord[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const records: TailRecord[] = [];
  let at = 0;
  while (at < frame.byteLength) {
    const offset = view.getFloat64(at);
    const created = view.getFloat64(at + 8);
    const length = view.getUint32(at + 16);
    const data = frame.slice(at + TAIL_RECORD_HEADER, at + TAIL_RECORD_HEADER + length);
    records.push({ offset, created, data });
    at += TAIL_RECORD_HEADER + length;
  }
  return records;
}

/**
 * Standard base64 (RFC 4648, with padding) of `bytes`.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.byteLength; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Decodes standard base64.
 *
 * @param text The base64 text.
 * @returns The bytes.
 */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
