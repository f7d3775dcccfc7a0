// Records, signals and readers shared by the conformance cases. Internal to the suite.
import type { Journal } from "../core/journal.ts";

/** A distinct, recognisable record for number `i`: 1 to 5 bytes, never empty. */
export function record(i: number): Uint8Array {
  const length = 1 + (i % 5);
  const bytes = new Uint8Array(length);
  for (let k = 0; k < length; k++) bytes[k] = (i * 31 + k * 7 + (i >>> 8)) & 0xff;
  bytes[0] = i & 0xff;
  return bytes;
}

/** Bytes from a list of values. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Every byte value 0 to 255, then `size - 256` more bytes of a pattern. */
export function pattern(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i < 256 ? i : (i * 131 + (i >>> 9)) & 0xff;
  return data;
}

/** A signal aborted with a reason of its own, so that cases can check its identity. */
export function abortedSignal(): { signal: AbortSignal; reason: Error } {
  const reason = new Error("Aborted by the conformance suite");
  return { signal: AbortSignal.abort(reason), reason };
}

/** Appends `records` one after another from the journal's current end. */
export async function appendAll(journal: Journal, records: Uint8Array[]): Promise<void> {
  for (const data of records) {
    const { end } = await journal.bounds();
    await journal.append(end, data);
  }
}

/** Appends `count` distinct records (see {@linkcode record}) and returns copies of them. */
export async function fill(journal: Journal, count: number, first = 0): Promise<Uint8Array[]> {
  const records = Array.from({ length: count }, (_, i) => record(first + i));
  await appendAll(journal, records.map((r) => r.slice()));
  return records;
}

/** Every record from `pos` to the end, read with `range`, as `[position, bytes]` pairs. */
export async function collect(journal: Journal, pos: number): Promise<[number, Uint8Array][]> {
  const seen: [number, Uint8Array][] = [];
  await journal.range(pos, (p, data) => {
    seen.push([p, data]);
  });
  return seen;
}

/** Every record the journal holds, read with `get` over its bounds. */
export async function contents(journal: Journal): Promise<[number, Uint8Array][]> {
  const { begin, end } = await journal.bounds();
  const seen: [number, Uint8Array][] = [];
  for (let pos = begin; pos < end; pos++) seen.push([pos, await journal.get(pos)]);
  return seen;
}

/** Values that are numbers but not safe integers. */
export const NOT_INTEGERS: readonly number[] = [1.5, NaN, Infinity, -Infinity, 2 ** 53];

/** Values that are not numbers at all. */
export const NOT_NUMBERS: readonly unknown[] = ["1", null, {}, 1n, [1]];

/** Values that are not byte arrays. */
export const NOT_BYTES: readonly unknown[] = ["abc", [1, 2], new ArrayBuffer(2), null, 42];

/** A position far beyond 2^32, to catch drivers that store positions in 32 bits. */
export const HIGH_START = 2 ** 32 + 5;

/** Casts a deliberately ill-typed argument, for cases that check type errors. */
export function unsafe<T>(value: unknown): T {
  return value as T;
}
