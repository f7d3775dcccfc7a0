// Shared set-up of the benchmarks: the payload and record counts the targets are stated in.

/** Bytes per record in every benchmark (the memlog reference uses 32-byte payloads). */
export const PAYLOAD_SIZE = 32;
/** Records per segment of every benchmarked Log. */
export const SEGMENT_SIZE = 1000;
/** Records per batch for `readBatch` and `writeBatch`. */
export const BATCH_SIZE = 100;

/** A 32-byte payload with varied bytes. */
export function payload(seed = 0): Uint8Array {
  const data = new Uint8Array(PAYLOAD_SIZE);
  for (let i = 0; i < data.length; i++) data[i] = (seed + i * 31) & 0xff;
  return data;
}

/** `count` distinct 32-byte payloads. */
export function payloads(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => payload(i));
}
