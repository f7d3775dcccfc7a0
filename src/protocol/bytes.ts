/**
 * Byte arrays joined: the one copy loop the wire code of both sides shares (bodies read in
 * chunks, records answered as one body).
 *
 * @module
 */

/**
 * The parts' bytes, one after the other, in one new array. A single part is returned as it
 * is, not copied.
 *
 * @param parts The arrays to join, in order.
 * @returns Their bytes in one array.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]), new Uint8Array([1, 2, 3]));
 * assert.deepEqual(concatBytes([]), new Uint8Array(0));
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const part of parts) size += part.byteLength;
  const joined = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.byteLength;
  }
  return joined;
}
