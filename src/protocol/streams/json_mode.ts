/**
 * JSON mode (streams of `application/json`): an append's body is one JSON value; an array's
 * items each become one record, any other value one record. A read answers the records as
 * one JSON array.
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The records of a JSON-mode append.
 *
 * @param body The append's body.
 * @param allowEmpty Whether `[]` is accepted (a create's initial body), as no records.
 * @returns Each item's JSON text, encoded.
 * @throws {SyntaxError} When the body is not JSON.
 * @throws {RangeError} When it is `[]` and `allowEmpty` is not set.
 *
 * @example
 * ```ts
 * import { jsonRecords } from "./json_mode.ts";
 * import assert from "node:assert/strict";
 *
 * const records = jsonRecords(new TextEncoder().encode('[{"a":1}, 2]'));
 * assert.deepEqual(records.map((r) => new TextDecoder().decode(r)), ['{"a":1}', "2"]);
 * assert.equal(jsonRecords(new TextEncoder().encode('"x"')).length, 1);
 * ```
 */
export function jsonRecords(body: Uint8Array, allowEmpty = false): Uint8Array[] {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch {
    throw new SyntaxError("The body is not valid JSON");
  }
  if (!Array.isArray(value)) return [encoder.encode(JSON.stringify(value))];
  if (value.length === 0 && !allowEmpty) {
    throw new RangeError("An append in JSON mode must not be an empty array");
  }
  return value.map((item) => encoder.encode(JSON.stringify(item)));
}

/**
 * A JSON-mode read's body: the records as one JSON array.
 *
 * @param records The records' bytes (each one JSON text).
 * @returns The array's bytes.
 *
 * @example
 * ```ts
 * import { jsonArrayBody } from "./json_mode.ts";
 * import assert from "node:assert/strict";
 *
 * const body = jsonArrayBody([new TextEncoder().encode("1"), new TextEncoder().encode("2")]);
 * assert.equal(new TextDecoder().decode(body), "[1,2]");
 * ```
 */
export function jsonArrayBody(records: readonly Uint8Array[]): Uint8Array {
  let size = 2 + Math.max(0, records.length - 1);
  for (const r of records) size += r.byteLength;
  const body = new Uint8Array(size);
  body[0] = 0x5b;
  let at = 1;
  records.forEach((r, i) => {
    if (i > 0) body[at++] = 0x2c;
    body.set(r, at);
    at += r.byteLength;
  });
  body[at] = 0x5d;
  return body;
}

/**
 * A read's body in either mode: the records concatenated, or as a JSON array.
 *
 * @param records The records' bytes.
 * @param json Whether the stream is in JSON mode.
 * @returns The body.
 *
 * @example
 * ```ts
 * import { streamReadBody } from "./json_mode.ts";
 * import assert from "node:assert/strict";
 *
 * const body = streamReadBody([new Uint8Array([1]), new Uint8Array([2, 3])], false);
 * assert.deepEqual(body, new Uint8Array([1, 2, 3]));
 * ```
 */
export function streamReadBody(records: readonly Uint8Array[], json: boolean): Uint8Array {
  return json ? jsonArrayBody(records) : concatBytes(records);
}
