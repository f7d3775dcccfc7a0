/**
 * edgelog: append-only logs of binary records.
 *
 * A {@linkcode Log} is an ordered log in the style of memlog: `write` returns each
 * record's offset; `read`, `readBatch`, `range` and a live `stream` read them back,
 * retention keeps two segments of records (and, with `maxAge`, records younger than that),
 * and `offsetAt` finds the first record created at or after a time. Underneath, every log is a
 * {@linkcode Journal}: half-open bounds, `get`, `range`, `append` at an expected end
 * with optimistic-concurrency conflicts, `truncate` and `close`. Storage drivers:
 * {@linkcode MemoryJournal} (the default) and {@linkcode SqliteJournal}, which runs over
 * `node:sqlite` or a Cloudflare Durable Object's SQL storage.
 *
 * @example
 * ```ts
 * import { Log } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log({ maxSegmentSize: 1000 });
 * const offset = await log.write(new TextEncoder().encode("Hello World"));
 * const record = await log.read(offset);
 * assert.equal(new TextDecoder().decode(record.data), "Hello World");
 * ```
 *
 * @module
 */
export {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  LogError,
  type LogErrorCode,
  NotFoundError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "./src/core/errors.ts";
export type { Bounds, CallOptions, Journal, RangeFn } from "./src/core/journal.ts";
export {
  DEFAULT_MAX_RECORD_SIZE,
  DEFAULT_SEGMENT_SIZE,
  EXPIRY_STEP,
  Log,
  type LogOptions,
  type LogRecord,
  type OffsetRange,
  type ProducerWriteOptions,
  type ReadBatchOptions,
  type WriteBatchOptions,
  type WriteOptions,
} from "./src/core/log.ts";
export {
  type Appended,
  DEFAULT_MAX_PRODUCERS,
  DEFAULT_PRODUCER_TTL,
  MAX_PRODUCER_ID_LENGTH,
  type Producer,
  type ProducerCommit,
  type ProducerState,
} from "./src/core/producer.ts";
export { MemoryJournal } from "./src/drivers/memory_journal.ts";
export {
  type CreatedPosition,
  emptyLocation,
  type JournalOptions,
  type NewRecord,
  type RecordLocation,
  StorageJournal,
  type StoredRecord,
} from "./src/core/storage_journal.ts";
export {
  nodeSqlite,
  type NodeSqliteDatabase,
  type NodeSqliteStatement,
  type SqlDatabase,
  type SqlRow,
  type SqlValue,
} from "./src/drivers/sql.ts";
export { SqliteJournal } from "./src/drivers/sqlite_journal.ts";
export { SqliteStore } from "./src/drivers/sqlite_store.ts";
