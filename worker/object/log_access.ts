/**
 * What the LogObject takes from the Log beyond its public API, each kind in one place: the
 * synchronous bounds, a write at an expected offset, truncation, and a batch read bounded by
 * count and bytes. They reach into the Log's storage driver today; once the core's `Log`
 * has `boundsSync()`, `write(data, { expectedOffset })`, `truncate(before)` and
 * `readBatch`/`readBatchSync(offset, batch, { maxBytes })`, each becomes a call to it.
 *
 * @module
 */
import type { Bounds, Log, LogRecord } from "../../mod.ts";
import type { WireRecord } from "../../src/protocol/wire.ts";

/** Records read from SQLite at a time: bounds memory when records are large. */
const READ_PAGE = 16;

/**
 * The log's half-open bounds `[begin, end)`, synchronously (kept in memory by the
 * object's journal).
 *
 * @param log The log.
 * @returns The bounds.
 */
export function boundsOf(log: Log): Bounds {
  return log.journal.readBounds();
}

/**
 * Appends one record, at `expectedOffset` when given.
 *
 * @param log The log.
 * @param data The record.
 * @param expectedOffset The offset the record must get, or `undefined`.
 * @returns The record's offset.
 */
export function writeRecord(
  log: Log,
  data: Uint8Array,
  expectedOffset: number | undefined,
): Promise<number> {
  return expectedOffset === undefined
    ? log.write(data)
    : log.writeBatch([data], { expectedOffset });
}

/**
 * Removes the records below `before`.
 *
 * @param log The log.
 * @param before The first offset to keep.
 * @returns The bounds after truncation.
 * @throws {RangeError} When `before` is past the end.
 */
export async function truncateLog(log: Log, before: number): Promise<Bounds> {
  const journal = log.journal;
  await journal.truncate(before);
  return journal.readBounds();
}

/**
 * Reads up to `limit` consecutive records from `offset`, stopping once they hold `maxBytes`
 * of record bytes (there is always one record). The core checks `offset` as `Log.readBatch`
 * does: `FutureOffsetError` at or past the end, `OutOfRangeError` below the beginning. The
 * pages after the first are read with no `await` in between, so they see one state of the
 * log.
 *
 * @param log The log.
 * @param offset The first offset.
 * @param limit The most records, at least 1.
 * @param maxBytes The record bytes after which the read stops.
 * @returns The records, in offset order.
 */
export async function readBatch(
  log: Log,
  offset: number,
  limit: number,
  maxBytes: number,
): Promise<WireRecord[]> {
  const first = new Array<LogRecord>(Math.min(limit, READ_PAGE));
  const count = await log.readBatch(offset, first);
  const records: WireRecord[] = [];
  let bytes = 0;
  for (let i = 0; i < count && bytes < maxBytes; i++) {
    const r = first[i]!;
    records.push({ offset: r.offset, created: r.created.getTime(), data: r.data });
    bytes += r.data.byteLength;
  }
  readPages(log, records, offset, limit, maxBytes, bytes);
  return records;
}

/**
 * {@linkcode readBatch} for a caller that has checked `offset` against the bounds: reads
 * synchronously, and stops early at the end of the log.
 *
 * @param log The log.
 * @param offset The first offset, within the bounds.
 * @param limit The most records, at least 1.
 * @param maxBytes The record bytes after which the read stops.
 * @returns The records, in offset order.
 */
export function readBatchSync(
  log: Log,
  offset: number,
  limit: number,
  maxBytes: number,
): WireRecord[] {
  const records: WireRecord[] = [];
  readPages(log, records, offset, limit, maxBytes, 0);
  return records;
}

/** Adds to `records` (consecutive from `offset`) pages read from the driver. */
function readPages(
  log: Log,
  records: WireRecord[],
  offset: number,
  limit: number,
  maxBytes: number,
  bytes: number,
): void {
  const journal = log.journal;
  while (records.length < limit && bytes < maxBytes) {
    const page = journal.readRecords(
      offset + records.length,
      Math.min(READ_PAGE, limit - records.length),
    );
    if (page.length === 0) return;
    for (const r of page) {
      if (bytes >= maxBytes) return;
      records.push({ offset: r.position, created: r.created, data: r.data });
      bytes += r.data.byteLength;
    }
  }
}
