/**
 * The Log: an ordered log of binary records in the style of memlog.
 *
 * @module
 */
import {
  ConflictError,
  FutureOffsetError,
  OutOfRangeError,
  RecordTooLargeError,
} from "./errors.ts";
import type { Bounds, CallOptions } from "./journal.ts";
import { MemoryJournal } from "../drivers/memory_journal.ts";
import {
  emptyLocation,
  type NewRecord,
  type RecordLocation,
  type StorageJournal,
} from "./storage_journal.ts";
import { ByteSlab } from "./byte_slab.ts";
import {
  type Appended,
  assertProducer,
  decideProducerWrite,
  DEFAULT_MAX_PRODUCERS,
  DEFAULT_PRODUCER_TTL,
  duplicateOf,
  type Producer,
  type ProducerCommit,
  type ProducerState,
} from "./producer.ts";
import { type LogRecord, ReadRecord } from "./log_record.ts";
import { LogStream, type StreamSource } from "./log_stream.ts";
import { WriteSignal } from "./write_signal.ts";
import {
  assertBytes,
  assertInteger,
  assertPosition,
  checkSignal,
  describe,
  timeMs,
} from "./validate.ts";

export type { LogRecord } from "./log_record.ts";

/** Options of {@linkcode Log}. */
export interface LogOptions {
  /** The offset of the first record of a fresh log. Default 0. */
  startOffset?: number;
  /** Records per segment (retention keeps two segments). Default 1024; `Infinity` keeps all. */
  maxSegmentSize?: number;
  /** The largest record accepted, in bytes. Default 1 MiB (1048576). */
  maxRecordSize?: number;
  /**
   * Retention by age, in milliseconds: a record older than this by the log's clock is gone
   * for every reader, as if purged. A positive integer, or `Infinity` (the default) to keep
   * records whatever their age. Works beside `maxSegmentSize`: whichever drops a record
   * first wins.
   */
  maxAge?: number;
  /**
   * The clock that stamps each record's creation time and ages records (`maxAge`). Default:
   * the system clock. A record is stamped with the later of the clock and the log's last
   * record's time, so creation times never decrease within a log.
   */
  clock?: () => Date;
  /** The storage driver. Default: a new {@linkcode MemoryJournal}. */
  journal?: StorageJournal;
  /**
   * How a Log over a driver with costly commits (SQLite) schedules the one commit of the
   * writes it gathers; nothing is acknowledged before that commit. Default `queueMicrotask`:
   * the writes issued in one turn of the event loop. A server that handles each request in
   * a task of its own (a Durable Object) passes `(commit) => setTimeout(commit, 0)`, so that
   * the writes of concurrent requests share one commit.
   */
  scheduleCommit?: (commit: () => void) => void;
  /**
   * How long the log keeps the state of a producer that stopped writing, in milliseconds:
   * a retry after that is taken for a new producer's write. Default 7 days.
   */
  producerTtl?: number;
  /** The most producers the log keeps; the least recently used go first. Default 10,000. */
  maxProducers?: number;
}

/** Options of {@linkcode Log.write}. */
export interface WriteOptions extends CallOptions {
  /**
   * The offset the caller expects the record to get (optimistic concurrency): the next
   * offset, counting the writes gathered for the next commit. A lower offset is taken:
   * `ConflictError`; a higher one is a `RangeError`.
   */
  expectedOffset?: number;
}

/** Options of {@linkcode Log.writeBatch}. */
export interface WriteBatchOptions extends WriteOptions {
  /**
   * The offset the caller expects the first record to get (optimistic concurrency). A
   * lower offset is taken: `ConflictError`; a higher one is a `RangeError`.
   */
  expectedOffset?: number;
}

/**
 * Options of a write that names its producer ({@linkcode Log.write},
 * {@linkcode Log.writeBatch}): the write resolves an {@linkcode Appended}.
 */
export interface ProducerWriteOptions extends WriteOptions {
  /** Who writes, and which of its writes this is: a retry is stored once. */
  producer: Producer;
}

/** Options of {@linkcode Log.readBatch}. */
export interface ReadBatchOptions extends CallOptions {
  /**
   * Stops the read once the records read hold this many bytes of data or more: a positive
   * integer, or `Infinity` (the default) for no bound. The record that crosses the bound is
   * included, so at least one record is read whenever one is readable.
   */
  maxBytes?: number;
}

/** The range of available offsets, both inclusive; `-1, -1` for an empty log. */
export interface OffsetRange {
  /** The oldest available offset, or -1. */
  earliest: number;
  /** The newest available offset, or -1. */
  latest: number;
}

/**
 * Records read from the driver in one call by a read bounded by bytes: at most this many
 * records are held beyond the bound, whatever their size.
 */
const READ_PAGE = 16;

/** The default number of records per segment. */
export const DEFAULT_SEGMENT_SIZE = 1024;
/** The default maximum record size in bytes: 1 MiB. */
export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024;
/**
 * The most records expired by `maxAge` that one read deletes from the driver, and the most
 * beyond its own record count that one commit deletes: deletion runs in bounded steps on
 * later writes and reads, never on a timer, so no call pays for a long idle time at once.
 * A read deletes only once this many have expired, or every stored record has.
 */
export const EXPIRY_STEP = 256;

/** A write waiting for the commit it was gathered into. */
interface Waiter {
  resolve(value: number | Appended): void;
  reject(error: unknown): void;
  /** What the write resolves once the commit is made. */
  value: number | Appended;
}

interface PendingCommit {
  first: number;
  records: NewRecord[];
  waiters: Waiter[];
  /** The producers' states after this commit, by id. */
  producers: Map<string, ProducerState> | undefined;
  /** Whether one of them is a producer the log did not know. */
  addedProducer: boolean;
}

/**
 * An append-only, ordered log of binary records. `write` returns each record's offset;
 * `read`, `readBatch`, `range` and the live `stream` read them back. Retention keeps an
 * active and a history segment of `maxSegmentSize` records each; `truncate` removes the
 * oldest records sooner, and `bounds` tells which offsets hold records.
 *
 * Over a driver whose commits are costly (SQLite), concurrent writes issued in the same
 * turn of the event loop are coalesced into one commit before any is acknowledged.
 *
 * @example
 * ```ts
 * import { Log } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log();
 * const offset = await log.write(new TextEncoder().encode("Hello World"));
 * const record = await log.read(offset);
 * assert.equal(offset, 0);
 * assert.equal(new TextDecoder().decode(record.data), "Hello World");
 * ```
 */
export class Log {
  readonly #journal: StorageJournal;
  readonly #segmentSize: number;
  readonly #maxRecordSize: number;
  readonly #maxAge: number;
  /** The clock in milliseconds since the epoch: `Date.now` for the system clock. */
  readonly #now: () => number;
  readonly #origin: number;
  readonly #coalesce: boolean;
  /** Whether the journal copies what it is given: then the log makes no copy of its own. */
  readonly #journalCopies: boolean;
  readonly #schedule: (commit: () => void) => void;
  readonly #producerTtl: number;
  readonly #maxProducers: number;
  readonly #flushPending = () => this.#flush();
  readonly #written = new WriteSignal();
  readonly #slab = new ByteSlab();
  /** Where copies handed to readers are packed: never shared with stored records. */
  readonly #readSlab = new ByteSlab();
  #pending: PendingCommit | undefined;
  /** The one record of a write to a journal that copies it: reused by every write. */
  readonly #singleRecord: NewRecord[] = [{ created: 0, data: new Uint8Array(0) }];
  /** Where the driver points at the record being read: one, reused by every read. */
  readonly #at: RecordLocation = emptyLocation();
  /** The batch being filled by a read, how many records it holds, and their bytes. */
  #fillBatch: LogRecord[] = [];
  #filled = 0;
  #filledBytes = 0;
  /** The bound of the batch being filled in bytes: records past it are not taken. */
  #fillLimit = Infinity;
  /** Adds the record at `#at` to the batch being filled, unless it is full by bytes. */
  readonly #fill = () => {
    if (this.#filledBytes >= this.#fillLimit) return;
    const at = this.#at;
    this.#fillBatch[this.#filled++] = new ReadRecord(
      at.position,
      at.created,
      at.bytes,
      at.start,
      at.end,
      this.#readSlab,
    );
    this.#filledBytes += at.end - at.start;
  };
  /**
   * The end after the last record whose time this log knows, and that time: the floor of
   * the next record's creation time.
   */
  #lastEnd = -1;
  /** The ends `[low, high)` of the segment last seen by retention, and what it keeps. */
  #retainLow = 0;
  #retainHigh = 0;
  #retained = 0;
  #lastCreatedAt = -Infinity;
  /**
   * Retention by age, as last found: the first offset `maxAge` keeps, and the time until
   * which its record lives (its creation time + `maxAge`; -Infinity when not known). It
   * only moves forward: an expired record never comes back, even if the clock goes back.
   */
  #horizon = { offset: 0, until: -Infinity };

  /**
   * Creates a log.
   *
   * @param options See {@linkcode LogOptions}.
   * @throws {RangeError} When an option is out of its range.
   * @throws {TypeError} When an option has the wrong type.
   */
  constructor(options: LogOptions = {}) {
    const {
      startOffset = 0,
      maxSegmentSize = DEFAULT_SEGMENT_SIZE,
      maxRecordSize = DEFAULT_MAX_RECORD_SIZE,
      maxAge = Infinity,
      clock,
      scheduleCommit = (commit: () => void) => queueMicrotask(commit),
      producerTtl = DEFAULT_PRODUCER_TTL,
      maxProducers = DEFAULT_MAX_PRODUCERS,
    } = options;
    assertPosition("startOffset", startOffset);
    if (maxSegmentSize !== Infinity) assertInteger("maxSegmentSize", maxSegmentSize);
    if (maxSegmentSize <= 0) {
      throw new RangeError(`Expected maxSegmentSize to be positive, got "${maxSegmentSize}"`);
    }
    assertInteger("maxRecordSize", maxRecordSize);
    if (maxRecordSize <= 0) {
      throw new RangeError(`Expected maxRecordSize to be positive, got "${maxRecordSize}"`);
    }
    if (maxAge !== Infinity) assertInteger("maxAge", maxAge);
    if (maxAge <= 0) throw new RangeError(`Expected maxAge to be positive, got "${maxAge}"`);
    assertInteger("producerTtl", producerTtl);
    if (producerTtl <= 0) {
      throw new RangeError(`Expected producerTtl to be positive, got "${producerTtl}"`);
    }
    assertInteger("maxProducers", maxProducers);
    if (maxProducers <= 0) {
      throw new RangeError(`Expected maxProducers to be positive, got "${maxProducers}"`);
    }
    if (clock !== undefined && typeof clock !== "function") {
      throw new TypeError(`Expected clock to be a function, got ${describe(clock)}`);
    }
    if (typeof scheduleCommit !== "function") {
      throw new TypeError(
        `Expected scheduleCommit to be a function, got ${describe(scheduleCommit)}`,
      );
    }
    const journal = options.journal ?? new MemoryJournal({ start: startOffset });
    if (typeof journal?.readRecords !== "function") {
      throw new TypeError(`Expected journal to be a storage driver, got ${describe(journal)}`);
    }
    // An explicit startOffset places a fresh journal; without one, the journal's own start stands.
    if (options.startOffset !== undefined) journal.restartAt(startOffset);
    this.#journal = journal;
    this.#segmentSize = maxSegmentSize;
    this.#maxRecordSize = maxRecordSize;
    this.#maxAge = maxAge;
    // The system clock read without a Date per record: the same time, at about half the cost.
    this.#now = clock === undefined ? Date.now : () => clock().getTime();
    this.#origin = journal.origin();
    this.#coalesce = journal.coalescesWrites;
    this.#journalCopies = journal.copiesRecords;
    this.#schedule = scheduleCommit;
    this.#producerTtl = producerTtl;
    this.#maxProducers = maxProducers;
  }

  /** The storage driver under this log; its positions are this log's offsets. */
  get journal(): StorageJournal {
    return this.#journal;
  }

  /** The offset of the log's first record (the journal's first position). */
  get startOffset(): number {
    return this.#origin;
  }

  /** Records per segment; `Infinity` when retention by count is off. */
  get maxSegmentSize(): number {
    return this.#segmentSize;
  }

  /** The largest record accepted, in bytes. */
  get maxRecordSize(): number {
    return this.#maxRecordSize;
  }

  /** Retention by age in milliseconds; `Infinity` when records are kept whatever their age. */
  get maxAge(): number {
    return this.#maxAge;
  }

  /**
   * Appends a copy of `data` and resolves its offset once it is stored.
   *
   * The promise methods are the portable API: every driver has them, remote and
   * asynchronous ones too, and over a driver that coalesces writes (SQLite) concurrent
   * writes share one commit. Over a synchronous driver (memory, `node:sqlite`, a Durable
   * Object's SQL), {@linkcode Log.writeSync} does the same work without the promise, whose
   * `await` costs more than the whole in-memory write.
   *
   * With `expectedOffset`, the write is an optimistic-concurrency append: it is stored
   * only if it gets exactly that offset. Over a driver that coalesces writes (SQLite), the
   * offset is checked against the end the log will have once the writes gathered for the
   * next commit are stored, so writes issued one after another in the same turn can each
   * expect the offset that follows the previous one.
   *
   * @param data The record; at least 1 byte and at most `maxRecordSize` bytes.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The record's offset.
   * @throws {ConflictError} When `expectedOffset` is below the next offset (it is taken);
   * its `position` is `expectedOffset`, and its message quotes the next offset.
   * @throws {RangeError} When `data` is empty, or `expectedOffset` is above the next
   * offset, negative or not an integer.
   * @throws {RecordTooLargeError} When `data` exceeds `maxRecordSize`.
   *
   * @example
   * ```ts
   * import { ConflictError, Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ startOffset: 100 });
   * assert.equal(await log.write(new Uint8Array([1])), 100);
   * assert.equal(await log.write(new Uint8Array([2])), 101);
   * // Only if nobody else wrote since: the next offset is 102.
   * assert.equal(await log.write(new Uint8Array([3]), { expectedOffset: 102 }), 102);
   * await assert.rejects(log.write(new Uint8Array([4]), { expectedOffset: 102 }), ConflictError);
   * ```
   *
   * @example Exactly once: a retry with the same producer writes nothing
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * const producer = { id: "importer", epoch: 0, seq: 0 };
   * const first = await log.write(new Uint8Array([1]), { producer });
   * assert.deepEqual(first, { offset: 0, count: 1, duplicate: false });
   * // The answer was lost, so the writer sends the same write again:
   * const retry = await log.write(new Uint8Array([1]), { producer });
   * assert.deepEqual(retry, { offset: 0, count: 1, duplicate: true });
   * assert.deepEqual(await log.bounds(), { begin: 0, end: 1 });
   * ```
   */
  write(data: Uint8Array, opts: ProducerWriteOptions): Promise<Appended>;
  /**
   * Appends a copy of `data` and resolves its offset once it is stored.
   *
   * @param data The record.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The record's offset.
   */
  write(data: Uint8Array, opts?: WriteOptions): Promise<number>;
  write(
    data: Uint8Array,
    opts?: WriteOptions | ProducerWriteOptions,
  ): Promise<number | Appended> {
    try {
      const { expected, producer } = checkWriteOptions(opts);
      const records = this.#single(data);
      if (this.#coalesce) return this.#enqueue(records, expected, producer);
      return Promise.resolve(this.#appendNow(records, expected, producer));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.write}: appends a copy of `data` and returns its offset
   * once it is stored, with the same checks, errors (thrown, not rejected) and retention.
   *
   * Use it over a synchronous driver (memory, `node:sqlite`, a Durable Object's SQL: all of
   * edgelog's) when the caller must not yield between writing and acting on the offset, or
   * when the cost of a promise matters (it is most of an in-memory write). The promise
   * methods are the portable API: a remote or asynchronous driver has only those.
   *
   * Over a driver that coalesces writes (SQLite), `writeSync` commits before it returns:
   * the writes already gathered for the next commit are committed first, in order (their
   * promises settle as they would have), then this one in a commit of its own. Prefer the
   * promise `write` for many concurrent writers there: they share commits.
   *
   * @param data The record; at least 1 byte and at most `maxRecordSize` bytes.
   * @param opts Call options, an optional `expectedOffset`, and an optional `producer`.
   * @returns The record's offset; with a `producer`, an {@linkcode Appended}.
   * @throws {ConflictError} When `expectedOffset` is below the next offset (it is taken).
   * @throws {RangeError} When `data` is empty, or `expectedOffset` is above the next
   * offset, negative or not an integer.
   * @throws {RecordTooLargeError} When `data` exceeds `maxRecordSize`.
   * @throws {TypeError} When `data` is not a Uint8Array.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { ConflictError, Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * assert.equal(log.writeSync(new Uint8Array([1])), 0);
   * assert.equal(log.writeSync(new Uint8Array([2]), { expectedOffset: 1 }), 1);
   * assert.throws(() => log.writeSync(new Uint8Array([3]), { expectedOffset: 1 }), ConflictError);
   * assert.deepEqual(log.readSync(1).data, new Uint8Array([2]));
   * ```
   *
   * @example With a producer: a retry is stored once
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * const producer = { id: "importer", epoch: 0, seq: 0 };
   * assert.deepEqual(log.writeSync(new Uint8Array([1]), { producer }), {
   *   offset: 0,
   *   count: 1,
   *   duplicate: false,
   * });
   * assert.equal(log.writeSync(new Uint8Array([1]), { producer }).duplicate, true);
   * ```
   */
  writeSync(data: Uint8Array, opts: ProducerWriteOptions): Appended;
  /**
   * The synchronous {@linkcode Log.write}.
   *
   * @param data The record.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The record's offset.
   */
  writeSync(data: Uint8Array, opts?: WriteOptions): number;
  writeSync(data: Uint8Array, opts?: WriteOptions | ProducerWriteOptions): number | Appended {
    const { expected, producer } = checkWriteOptions(opts);
    const records = this.#single(data);
    if (this.#pending !== undefined) this.#flush();
    return this.#appendNow(records, expected, producer);
  }

  /**
   * Appends copies of `records` atomically at consecutive offsets: all are stored, or
   * none is. Resolves the offset of the first record; with a `producer`, an
   * {@linkcode Appended} (the batch is one write of the producer: one `seq`).
   *
   * @param records One or more records, each valid for {@linkcode Log.write}.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The offset of the first record; the others follow it.
   * @throws {ConflictError} When `expectedOffset` is below the next offset; its `position`
   * is `expectedOffset`, and its message quotes the next offset.
   * @throws {RangeError} When `records` is empty, a record is empty, or `expectedOffset`
   * is above the next offset, negative or not an integer.
   * @throws {RecordTooLargeError} When a record exceeds `maxRecordSize`.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * const bytes = (s: string) => new TextEncoder().encode(s);
   * const first = await log.writeBatch([bytes("a"), bytes("b"), bytes("c")]);
   * assert.equal(first, 0);
   * assert.deepEqual(await log.range(), { earliest: 0, latest: 2 });
   * ```
   */
  writeBatch(records: readonly Uint8Array[], opts: ProducerWriteOptions): Promise<Appended>;
  /**
   * Appends copies of `records` atomically at consecutive offsets.
   *
   * @param records One or more records.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The offset of the first record.
   */
  writeBatch(records: readonly Uint8Array[], opts?: WriteBatchOptions): Promise<number>;
  writeBatch(
    records: readonly Uint8Array[],
    opts?: WriteBatchOptions | ProducerWriteOptions,
  ): Promise<number | Appended> {
    try {
      const { expected, producer } = checkWriteOptions(opts);
      const copies = this.#newRecords(records);
      if (this.#coalesce) return this.#enqueue(copies, expected, producer);
      return Promise.resolve(this.#appendNow(copies, expected, producer));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.writeBatch}: appends copies of `records` atomically at
   * consecutive offsets and returns the first one's offset once they are stored, with the
   * same checks, errors (thrown) and retention. When to use it: as for
   * {@linkcode Log.writeSync}; over a coalescing driver it commits the writes already
   * gathered first, then the batch, before it returns.
   *
   * @param records One or more records, each valid for {@linkcode Log.write}.
   * @param opts Call options, an optional `expectedOffset`, and an optional `producer`.
   * @returns The offset of the first record; with a `producer`, an {@linkcode Appended}.
   * @throws {ConflictError} When `expectedOffset` is below the next offset.
   * @throws {RangeError} When `records` is empty, a record is empty, or `expectedOffset`
   * is above the next offset, negative or not an integer.
   * @throws {RecordTooLargeError} When a record exceeds `maxRecordSize`.
   * @throws {TypeError} When `records` is not an array of Uint8Arrays.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { Log, RecordTooLargeError } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ maxRecordSize: 4 });
   * assert.equal(log.writeBatchSync([new Uint8Array([1]), new Uint8Array([2])]), 0);
   * // All or nothing: one record too large, and none is stored.
   * assert.throws(() => log.writeBatchSync([new Uint8Array(1), new Uint8Array(5)]), RecordTooLargeError);
   * assert.deepEqual(log.boundsSync(), { begin: 0, end: 2 });
   * ```
   */
  writeBatchSync(records: readonly Uint8Array[], opts: ProducerWriteOptions): Appended;
  /**
   * The synchronous {@linkcode Log.writeBatch}.
   *
   * @param records One or more records.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The offset of the first record.
   */
  writeBatchSync(records: readonly Uint8Array[], opts?: WriteBatchOptions): number;
  writeBatchSync(
    records: readonly Uint8Array[],
    opts?: WriteBatchOptions | ProducerWriteOptions,
  ): number | Appended {
    const { expected, producer } = checkWriteOptions(opts);
    const copies = this.#newRecords(records);
    if (this.#pending !== undefined) this.#flush();
    return this.#appendNow(copies, expected, producer);
  }

  /**
   * Reads the record at `offset`. The portable read; over a synchronous driver,
   * {@linkcode Log.readSync} reads the same without a promise.
   *
   * The record's `created` Date and its `data` copy are made when first asked for, from
   * bytes the driver never changes: a reader that looks at neither pays for neither.
   *
   * @param offset The offset to read.
   * @param opts Call options.
   * @returns A copy of the record.
   * @throws {FutureOffsetError} When `offset` is at or past the next offset.
   * @throws {OutOfRangeError} When `offset` is negative, below the start or purged.
   * @throws {RangeError} When `offset` is not an integer.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ clock: () => new Date("2026-01-01T00:00:00Z") });
   * await log.write(new Uint8Array([7]));
   * const record = await log.read(0);
   * assert.equal(record.created.toISOString(), "2026-01-01T00:00:00.000Z");
   * ```
   */
  read(offset: number, opts?: CallOptions): Promise<LogRecord> {
    try {
      checkSignal(opts?.signal);
      return Promise.resolve(this.#read(offset));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.read}: the same record and the same checks, with errors
   * thrown instead of rejected. Use it over a synchronous driver (all of edgelog's) when
   * the caller must not yield, or when the cost of a promise matters; the promise `read`
   * is the portable API.
   *
   * @param offset The offset to read.
   * @returns A copy of the record.
   * @throws {FutureOffsetError} When `offset` is at or past the next offset.
   * @throws {OutOfRangeError} When `offset` is negative, below the start or purged.
   * @throws {RangeError} When `offset` is not an integer.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { FutureOffsetError, Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ startOffset: 7 });
   * log.writeSync(new TextEncoder().encode("hi"));
   * const record = log.readSync(7);
   * assert.equal(new TextDecoder().decode(record.data), "hi");
   * assert.throws(() => log.readSync(8), FutureOffsetError);
   * ```
   */
  readSync(offset: number): LogRecord {
    return this.#read(offset);
  }

  /**
   * Fills `batch[0..count)` with consecutive records from `offset` and resolves `count`.
   * A `count` below `batch.length` means the end of the log was reached, or, with
   * `maxBytes`, that the records read hold `maxBytes` bytes or more; slots past `count`
   * are left untouched. An empty batch resolves 0 without checking `offset`.
   *
   * With `maxBytes`, the record that crosses the bound is included, so at least one record
   * is read whenever one is readable; the records are read from the driver a few at a
   * time, so that no more than a few records past the bound are ever held, and all of
   * them with no `await` in between: the batch shows one state of the log.
   *
   * @param offset The first offset to read.
   * @param batch The array to fill.
   * @param opts Call options, and an optional `maxBytes`.
   * @returns How many records were read.
   * @throws {FutureOffsetError} When `offset` is at or past the next offset.
   * @throws {OutOfRangeError} When `offset` is negative, below the start or purged.
   * @throws {RangeError} When `offset` is not an integer, or `maxBytes` is neither a
   * positive integer nor `Infinity`.
   * @throws {TypeError} When `batch` is not an array.
   *
   * @example
   * ```ts
   * import { Log, type LogRecord } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * for (let i = 0; i < 15; i++) await log.write(new Uint8Array([i]));
   * const batch = new Array<LogRecord>(10);
   * assert.equal(await log.readBatch(0, batch), 10);
   * assert.equal(await log.readBatch(10, batch), 5);
   * ```
   *
   * @example Bounded by bytes: the record that crosses the bound is included
   * ```ts
   * import { Log, type LogRecord } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * for (let i = 0; i < 5; i++) await log.write(new Uint8Array(100));
   * const batch = new Array<LogRecord>(5);
   * assert.equal(await log.readBatch(0, batch, { maxBytes: 200 }), 2);
   * assert.equal(await log.readBatch(0, batch, { maxBytes: 201 }), 3);
   * assert.equal(await log.readBatch(0, batch, { maxBytes: 1 }), 1);
   * ```
   */
  readBatch(offset: number, batch: LogRecord[], opts?: ReadBatchOptions): Promise<number> {
    try {
      checkSignal(opts?.signal);
      return Promise.resolve(this.#readBatch(offset, batch, opts?.maxBytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.readBatch}: the same records and the same checks, with
   * errors thrown instead of rejected. For code that must not yield between reading and
   * acting on what it read, such as a Durable Object inside a synchronous block.
   *
   * @param offset The first offset to read.
   * @param batch The array to fill.
   * @param opts An optional `maxBytes`, as for {@linkcode Log.readBatch}.
   * @returns How many records were read.
   * @throws {FutureOffsetError} When `offset` is at or past the next offset.
   * @throws {OutOfRangeError} When `offset` is negative, below the start or purged.
   * @throws {RangeError} When `offset` is not an integer, or `maxBytes` is neither a
   * positive integer nor `Infinity`.
   * @throws {TypeError} When `batch` is not an array.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { FutureOffsetError, Log, type LogRecord } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * await log.writeBatch([new Uint8Array(10), new Uint8Array(10), new Uint8Array(10)]);
   * const batch = new Array<LogRecord>(16);
   * assert.equal(log.readBatchSync(0, batch, { maxBytes: 15 }), 2);
   * assert.throws(() => log.readBatchSync(3, batch), FutureOffsetError);
   * ```
   */
  readBatchSync(offset: number, batch: LogRecord[], opts?: { maxBytes?: number }): number {
    return this.#readBatch(offset, batch, opts?.maxBytes);
  }

  /**
   * Resolves the inclusive range of available offsets; `{ earliest: -1, latest: -1 }`
   * when the log is empty.
   *
   * @param opts Call options.
   * @returns The earliest and latest available offsets.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ startOffset: 5 });
   * assert.deepEqual(await log.range(), { earliest: -1, latest: -1 });
   * await log.write(new Uint8Array([1]));
   * assert.deepEqual(await log.range(), { earliest: 5, latest: 5 });
   * ```
   */
  range(opts?: CallOptions): Promise<OffsetRange> {
    try {
      checkSignal(opts?.signal);
      const { begin, end } = this.#readableBounds();
      return Promise.resolve(
        begin === end ? { earliest: -1, latest: -1 } : { earliest: begin, latest: end - 1 },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Resolves the half-open bounds `[begin, end)` of the offsets that hold records, as
   * `Journal.bounds` does: `end` is the next offset of the committed log (writes gathered
   * for the next commit are not counted until it is made), and `begin === end` when the
   * log holds no record.
   *
   * @param opts Call options.
   * @returns The bounds.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log({ startOffset: 5 });
   * assert.deepEqual(await log.bounds(), { begin: 5, end: 5 });
   * await log.writeBatch([new Uint8Array([1]), new Uint8Array([2])]);
   * assert.deepEqual(await log.bounds(), { begin: 5, end: 7 });
   * ```
   */
  bounds(opts?: CallOptions): Promise<Bounds> {
    try {
      checkSignal(opts?.signal);
      return Promise.resolve(this.boundsSync());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.bounds}: one cheap driver-level read, for code that
   * must not yield, such as a Durable Object inside a synchronous block.
   *
   * @returns The half-open bounds of the committed log.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * await log.write(new Uint8Array([1]));
   * const { begin, end } = log.boundsSync();
   * assert.equal(end - begin, 1);
   * ```
   */
  boundsSync(): Bounds {
    const { begin, end } = this.#readableBounds();
    return { begin, end };
  }

  /**
   * What the log keeps of a producer: its epoch and the last write it made (a write gathered
   * for the next commit included), as the next write of that producer is decided against.
   *
   * @param id The producer's id.
   * @returns Its state, or `undefined` for a producer the log does not know (never seen, or
   * expired).
   *
   * @example
   * ```ts
   * import { Log } from "./log.ts";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * await log.write(new Uint8Array([1]), { producer: { id: "etl", epoch: 0, seq: 0 } });
   * assert.equal(log.producerState("etl")?.seq, 0);
   * assert.equal(log.producerState("other"), undefined);
   * ```
   */
  producerState(id: string): ProducerState | undefined {
    return this.#pending?.producers?.get(id) ?? this.#storedProducer(id, this.#now());
  }

  /**
   * Resolves the first offset whose record was created at or after `time`: where to read
   * or stream from to get the records since then. A time before the oldest record the log
   * keeps gives its offset (the `begin` of {@linkcode Log.bounds}); a time after the newest
   * gives the end, the offset the next write gets. Records that retention removed or that
   * `maxAge` expired are not searched. Creation times never decrease within a log, so this
   * is a binary search over offsets, not a scan.
   *
   * Acts on the committed log, as {@linkcode Log.bounds} does.
   *
   * @param time A `Date`, or milliseconds since the Unix epoch.
   * @param opts Call options.
   * @returns The offset.
   * @throws {TypeError} When `time` is neither a Date nor a number.
   * @throws {RangeError} When `time` is an invalid Date or not a finite number.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example Reading the records of the last ten minutes
   * ```ts
   * import { Log, type LogRecord } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * let now = Date.UTC(2026, 11, 1, 10, 0);
   * const log = new Log({ clock: () => new Date(now) });
   * for (let minute = 0; minute < 30; minute++, now += 60_000) {
   *   await log.write(new Uint8Array([minute]));
   * }
   * const since = await log.offsetAt(now - 10 * 60_000);
   * assert.equal(since, 20);
   * const batch = new Array<LogRecord>(100);
   * assert.equal(await log.readBatch(since, batch), 10);
   * assert.equal(batch[0]?.data[0], 20);
   * assert.equal(await log.offsetAt(new Date(0)), 0);
   * assert.equal(await log.offsetAt(now), 30);
   * ```
   */
  offsetAt(time: Date | number, opts?: CallOptions): Promise<number> {
    try {
      checkSignal(opts?.signal);
      return Promise.resolve(this.offsetAtSync(time));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous {@linkcode Log.offsetAt}, for code that must not yield between finding
   * an offset and reading from it, such as a Durable Object inside a synchronous block.
   *
   * @param time A `Date`, or milliseconds since the Unix epoch.
   * @returns The first offset created at or after `time`; the end when there is none.
   * @throws {TypeError} When `time` is neither a Date nor a number.
   * @throws {RangeError} When `time` is an invalid Date or not a finite number.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * let now = 1_000;
   * const log = new Log({ clock: () => new Date(now) });
   * await log.write(new Uint8Array([1])); // created 1000
   * now = 5_000;
   * await log.write(new Uint8Array([2])); // created 5000
   * assert.equal(log.offsetAtSync(1_001), 1);
   * assert.equal(log.offsetAtSync(5_001), 2);
   * ```
   */
  offsetAtSync(time: Date | number): number {
    const ms = timeMs("time", time);
    const { begin, end } = this.#readableBounds();
    if (begin === end) return end;
    return this.#journal.findCreated(ms, begin).position;
  }

  /**
   * Removes the records below `before`, oldest first: the log then begins at `before`,
   * as if retention had purged them (reads of them reject `OutOfRangeError`, and so do
   * streams that reach them). `before` at or below the beginning is a no-op; `before`
   * equal to the end empties the log, whose next offset stays the same.
   *
   * Acts on the committed log: writes gathered for the next commit are neither committed
   * nor counted, so `before` may be at most the committed end ({@linkcode Log.bounds}).
   * Retention keeps applying to later writes, by the count of records written since the
   * start.
   *
   * @param before The first offset to keep.
   * @param opts Call options.
   * @throws {RangeError} When `before` is above the committed end, negative or not an
   * integer.
   * @throws {ClosedError} When the driver is closed.
   *
   * @example
   * ```ts
   * import { Log, OutOfRangeError } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * for (let i = 0; i < 5; i++) await log.write(new Uint8Array([i]));
   * await log.truncate(3);
   * assert.deepEqual(await log.bounds(), { begin: 3, end: 5 });
   * await assert.rejects(log.read(2), OutOfRangeError);
   * ```
   */
  truncate(before: number, opts?: CallOptions): Promise<void> {
    try {
      checkSignal(opts?.signal);
      assertPosition("before", before);
      const { begin, end } = this.#journal.readBounds();
      if (before > end) {
        throw new RangeError(`Cannot truncate before offset "${before}" past the end "${end}"`);
      }
      if (before > begin) this.#journal.truncateRecords(before);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Streams records in order from `start`, then waits for new ones: a write wakes the
   * stream at once, and a waiting stream holds no timer. `stream` never throws; `next()`
   * rejects with `OutOfRangeError` when `start` is negative, below the start or purged,
   * or when retention overtakes the reader, and with the signal's reason once aborted.
   *
   * @param start The first offset to yield; may be in the future.
   * @param opts Call options; abort the signal to end the stream.
   * @returns An async iterator of records.
   *
   * @example
   * ```ts
   * import { Log } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const log = new Log();
   * const controller = new AbortController();
   * const stream = log.stream(0, { signal: controller.signal });
   * const first = stream.next();
   * await log.write(new Uint8Array([42]));
   * assert.deepEqual((await first).value?.data, new Uint8Array([42]));
   * controller.abort();
   * ```
   */
  stream(start: number, opts?: CallOptions): AsyncIterableIterator<LogRecord> {
    return new LogStream(start, opts?.signal, this.#streamSource, this.#written);
  }

  /**
   * Commits the writes gathered for the next commit now, instead of when `scheduleCommit`
   * runs it; they resolve (or reject) as they would have. A no-op when nothing is
   * gathered or the driver commits each write at once. Call it before another Log takes
   * over the same journal, so that the two never race for the same offsets.
   *
   * @example
   * ```ts
   * import { DatabaseSync } from "node:sqlite";
   * import { Log, nodeSqlite, SqliteStore } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
   * const journal = store.open("log");
   * const log = new Log({ journal, scheduleCommit: (commit) => setTimeout(commit, 0) });
   * const written = log.write(new Uint8Array([1]));
   * log.flush();
   * assert.deepEqual(await journal.bounds(), { begin: 0, end: 1 });
   * assert.equal(await written, 0);
   * store.close();
   * ```
   */
  flush(): void {
    this.#flush();
  }

  readonly #streamSource: StreamSource = {
    page: (offset, limit) => {
      if (this.#purged(offset)) throw new OutOfRangeError(offset);
      const page: LogRecord[] = [];
      this.#fillFrom(offset, page, limit, Infinity);
      return page;
    },
    purged: (offset) => this.#purged(offset),
  };

  #purged(offset: number): boolean {
    return offset < this.#origin || offset < this.#readableBounds().begin;
  }

  /**
   * The bounds readers see: the driver's, with `begin` past the records `maxAge` expired
   * (they are gone for every reader from the moment they expire, deleted or not). Runs a
   * bounded deletion step when enough expired records wait to be deleted.
   */
  #readableBounds(): Bounds {
    const bounds = this.#journal.readBounds();
    if (this.#maxAge === Infinity) return bounds;
    const { begin, end } = bounds;
    const live = this.#liveBegin(bounds);
    if (live === begin) return bounds;
    const waiting = live - begin;
    if (waiting >= EXPIRY_STEP || live === end) {
      this.#journal.truncateRecords(Math.min(live, begin + EXPIRY_STEP));
    }
    return { begin: live, end };
  }

  /**
   * The first offset that retention by age keeps in the driver's `bounds`: from the
   * horizon last found while its record lives (no driver call), else found again by a
   * search on creation times from there. Only with a finite `maxAge`.
   */
  #liveBegin({ begin, end }: Bounds): number {
    const horizon = this.#horizon;
    const from = horizon.offset > begin ? horizon.offset : begin;
    if (from >= end) return from;
    const now = this.#now();
    if (now <= horizon.until) return from;
    const found = this.#journal.findCreated(now - this.#maxAge, from);
    this.#horizon = {
      offset: found.position,
      until: found.created === undefined ? -Infinity : found.created + this.#maxAge,
    };
    return found.position;
  }

  /**
   * The creation time before which the next record may not be stamped: the time of the
   * log's last record, read from the driver when another writer moved its end.
   */
  #lastCreated({ begin, end }: Bounds): number {
    if (this.#lastEnd !== end) {
      const [record] = end > begin ? this.#journal.readRecords(end - 1, 1) : [];
      this.#lastEnd = end;
      this.#lastCreatedAt = record?.created ?? this.#lastCreatedAt;
    }
    return this.#lastCreatedAt;
  }

  /**
   * The copy of a record that the journal keeps. A synchronous driver stores it at once:
   * pack it into the slab. A coalescing driver stores it in a later microtask and binds
   * it to SQL, where a buffer of its own is simplest (a batch's copies share one:
   * `packedCopies`).
   */
  #copy(data: Uint8Array): Uint8Array {
    if (this.#coalesce) return data.slice();
    return this.#journalCopies ? data : this.#slab.copy(data);
  }

  /**
   * A checked record, stamped with the clock, as the one record of a write: what write and
   * writeSync store. A journal that copies what it is given keeps neither the array nor
   * the record, so one pair serves every write (no allocation); else a copy of its own.
   */
  #single(data: Uint8Array): NewRecord[] {
    this.#checkRecord(data, "data");
    if (this.#coalesce || !this.#journalCopies) {
      return [{ created: this.#now(), data: this.#copy(data) }];
    }
    const single = this.#singleRecord;
    const record = single[0]!;
    record.created = this.#now();
    record.data = data;
    return single;
  }

  /** Checked copies of a batch's records, stamped with one reading of the clock. */
  #newRecords(records: readonly Uint8Array[]): NewRecord[] {
    if (!Array.isArray(records)) {
      throw new TypeError(`Expected records to be an array, got ${describe(records)}`);
    }
    if (records.length === 0) throw new RangeError("A batch must hold at least one record");
    let size = 0;
    for (let i = 0; i < records.length; i++) {
      const data = records[i];
      this.#checkRecord(data, `records[${i}]`);
      size += data.byteLength;
    }
    const now = this.#now();
    return this.#coalesce
      ? packedCopies(records, size, now)
      : records.map((data) => ({ created: now, data: this.#slab.copy(data) }));
  }

  #checkRecord(data: unknown, name: string): asserts data is Uint8Array {
    assertBytes(name, data);
    if (data.byteLength === 0) throw new RangeError(`Expected ${name} not to be empty`);
    if (data.byteLength > this.#maxRecordSize) {
      throw new RecordTooLargeError(data.byteLength, this.#maxRecordSize);
    }
  }

  /**
   * What read and readSync share: one driver lookup, which finds nothing outside the
   * driver's bounds; the bounds are read only to name the error of a miss, or first when
   * `maxAge` may have expired records the driver still holds.
   */
  #read(offset: number): LogRecord {
    assertInteger("offset", offset);
    if (this.#maxAge !== Infinity) this.#checkReadable(offset);
    const at = this.#at;
    if (offset < this.#origin || !this.#journal.readRecordAt(offset, at)) {
      this.#checkReadable(offset);
      throw new OutOfRangeError(offset);
    }
    return new ReadRecord(offset, at.created, at.bytes, at.start, at.end, this.#readSlab);
  }

  /** What readBatch and readBatchSync share: checks, then one read or bounded pages. */
  #readBatch(offset: number, batch: LogRecord[], maxBytes: number | undefined): number {
    if (maxBytes !== undefined && maxBytes !== Infinity) {
      assertInteger("maxBytes", maxBytes);
      if (maxBytes <= 0) {
        throw new RangeError(`Expected maxBytes to be positive, got "${maxBytes}"`);
      }
    }
    if (!Array.isArray(batch)) {
      throw new TypeError(`Expected batch to be an array, got ${describe(batch)}`);
    }
    if (batch.length === 0) return 0;
    this.#checkReadable(offset);
    return this.#fillFrom(offset, batch, batch.length, maxBytes ?? Infinity);
  }

  /**
   * Fills `batch` with up to `limit` consecutive records from `offset`, each a record
   * object over the bytes the driver points at (no view, no copy until asked for), and
   * returns how many. Bounded by bytes, it reads pages of a few records, so that no more
   * than a few records past the bound are visited; no await in between: one state of the
   * log.
   */
  #fillFrom(offset: number, batch: LogRecord[], limit: number, maxBytes: number): number {
    this.#fillBatch = batch;
    this.#filled = 0;
    this.#filledBytes = 0;
    this.#fillLimit = maxBytes;
    try {
      if (maxBytes === Infinity) {
        this.#journal.readRecordsAt(offset, limit, this.#at, this.#fill);
        return this.#filled;
      }
      for (;;) {
        const want = Math.min(READ_PAGE, limit - this.#filled);
        const read = this.#journal.readRecordsAt(offset + this.#filled, want, this.#at, this.#fill);
        const count = this.#filled;
        if (read < want || count === limit || this.#filledBytes >= maxBytes) return count;
      }
    } finally {
      this.#fillBatch = NO_RECORDS;
    }
  }

  #checkReadable(offset: number): void {
    assertInteger("offset", offset);
    if (offset < 0) throw new OutOfRangeError(offset);
    const { begin, end } = this.#readableBounds();
    if (offset >= end) throw new FutureOffsetError(offset);
    if (offset < begin) throw new OutOfRangeError(offset);
  }

  /**
   * Commits `records` at `end` with retention and the producers' states in the same atomic
   * unit, then wakes streams.
   */
  #commit(end: number, records: readonly NewRecord[], producers?: ProducerCommit): void {
    let before = this.#retainFrom(end + records.length);
    if (this.#maxAge !== Infinity) {
      // Expired records are deleted in the commit's own unit, at most EXPIRY_STEP more than
      // the commit adds: deletion keeps pace with writes at a flat cost per record.
      const bounds = this.#journal.readBounds();
      const expired = Math.min(
        this.#liveBegin(bounds),
        bounds.begin + EXPIRY_STEP + records.length,
      );
      if (expired > before) before = expired;
    }
    this.#journal.appendRecords(end, records, before, producers);
    this.#lastEnd = end + records.length;
    this.#lastCreatedAt = records[records.length - 1]!.created;
    this.#written.notify();
  }

  /**
   * What the write methods share once their records are checked and copied, when they
   * commit at once: the producer's decision, the expected offset, then the commit.
   */
  #appendNow(
    records: NewRecord[],
    expected: number | undefined,
    producer: Producer | undefined,
  ): number | Appended {
    let producers: ProducerCommit | undefined;
    let known: ProducerState | undefined;
    // The clock as this write read it for its records: one reading per write.
    const now = records[0]!.created;
    if (producer !== undefined) {
      known = this.#storedProducer(producer.id, now);
      const decision = decideProducerWrite(known, producer);
      if (decision !== "write") return duplicateOf(decision, producer);
    }
    const bounds = this.#journal.readBounds();
    const { end } = bounds;
    if (expected !== undefined) checkExpected(expected, end);
    if (producer !== undefined) {
      const state = this.#stateAfter(producer, end, records.length, now);
      producers = this.#producerCommit([state], known === undefined, now);
    }
    raiseCreated(records, this.#lastCreated(bounds));
    this.#commit(end, records, producers);
    return producer === undefined ? end : { offset: end, count: records.length, duplicate: false };
  }

  /** The stored state of a producer, unless it expired (then the producer is new again). */
  #storedProducer(id: string, now: number): ProducerState | undefined {
    const state = this.#journal.readProducer(id);
    if (state === undefined || state.lastUsed < now - this.#producerTtl) return undefined;
    return state;
  }

  /** A producer's state once its write of `count` records at `offset` is stored. */
  #stateAfter(producer: Producer, offset: number, count: number, now: number): ProducerState {
    const { id, epoch, seq } = producer;
    return { id, epoch, seq, offset, count, lastUsed: now };
  }

  #producerCommit(states: ProducerState[], added: boolean, now: number): ProducerCommit {
    return {
      states,
      added,
      expireBefore: now - this.#producerTtl,
      maxCount: this.#maxProducers,
    };
  }

  /** The oldest offset retention keeps once the log ends at `end` (memlog's formula). */
  #retainFrom(end: number): number {
    // The answer changes once per segment: kept for the ends of the current one.
    if (end >= this.#retainLow && end < this.#retainHigh) return this.#retained;
    const n = end - this.#origin;
    const size = this.#segmentSize;
    if (n <= size) return 0;
    const segments = Math.floor((n - 1) / size);
    this.#retainLow = this.#origin + segments * size + 1;
    this.#retainHigh = this.#retainLow + size;
    return this.#retained = this.#origin + size * (segments - 1);
  }

  /**
   * Adds records to the commit being gathered; `scheduleCommit` runs it. Every check is made
   * against the log as it will be once the writes gathered so far commit, before anything
   * is gathered: a write that fails leaves no commit behind.
   */
  #enqueue(
    records: NewRecord[],
    expected: number | undefined,
    producer: Producer | undefined,
  ): Promise<number | Appended> {
    const pending = this.#pending;
    const bounds = pending === undefined ? this.#journal.readBounds() : undefined;
    const offset = bounds !== undefined ? bounds.end : pending!.first + pending!.records.length;
    let known: ProducerState | undefined;
    if (producer !== undefined) {
      const gathered = pending?.producers?.get(producer.id);
      known = gathered ?? this.#storedProducer(producer.id, records[0]!.created);
      const decision = decideProducerWrite(known, producer);
      if (decision !== "write") {
        const answer = duplicateOf(decision, producer);
        // A retry of a write gathered for the same commit is answered once that is made.
        return decision === gathered ? this.#wait(pending!, answer) : Promise.resolve(answer);
      }
    }
    // The error names the end after the commit being gathered: where a retry can append.
    if (expected !== undefined) checkExpected(expected, offset);
    const commit = pending ?? this.#gather(offset);
    const queued = commit.records;
    raiseCreated(
      records,
      queued.length > 0 ? queued[queued.length - 1]!.created : this.#lastCreated(bounds!),
    );
    for (const record of records) queued.push(record);
    if (producer === undefined) return this.#wait(commit, offset);
    const producers = commit.producers ??= new Map();
    producers.set(
      producer.id,
      this.#stateAfter(producer, offset, records.length, records[0]!.created),
    );
    commit.addedProducer ||= known === undefined;
    return this.#wait(commit, { offset, count: records.length, duplicate: false });
  }

  /** Starts gathering a commit at `first`. */
  #gather(first: number): PendingCommit {
    const pending: PendingCommit = {
      first,
      records: [],
      waiters: [],
      producers: undefined,
      addedProducer: false,
    };
    this.#pending = pending;
    this.#schedule(this.#flushPending);
    return pending;
  }

  /** A promise settled by `pending`'s commit: `value` once it is made. */
  #wait(pending: PendingCommit, value: number | Appended): Promise<number | Appended> {
    return new Promise((resolve, reject) => {
      pending.waiters.push({ resolve, reject, value });
    });
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    const { first, records, waiters, producers } = pending;
    try {
      const commit = producers === undefined
        ? undefined
        : this.#producerCommit([...producers.values()], pending.addedProducer, this.#now());
      this.#commit(first, records, commit);
    } catch (error) {
      for (const { reject } of waiters) reject(error);
      return;
    }
    for (const { resolve, value } of waiters) resolve(value);
  }
}

/** The options of a write given none: shared, as nothing changes them. */
const NO_WRITE_OPTIONS = { expected: undefined, producer: undefined } as const;

/** What the log's batch slot points at between reads: it keeps no reader's array. */
const NO_RECORDS: LogRecord[] = [];

/**
 * Stamps records whose creation time is before `floor` with `floor`: the records of one
 * write share their time, so they stay in order.
 */
function raiseCreated(records: NewRecord[], floor: number): void {
  for (const record of records) {
    if (record.created < floor) record.created = floor;
  }
}

/** Checks a write's options: its signal (an aborted one throws its reason), `expectedOffset` and `producer`. */
function checkWriteOptions(
  opts: WriteOptions | ProducerWriteOptions | undefined,
): { expected: number | undefined; producer: Producer | undefined } {
  if (opts === undefined) return NO_WRITE_OPTIONS;
  checkSignal(opts.signal);
  const expected = opts?.expectedOffset;
  if (expected !== undefined) assertPosition("expectedOffset", expected);
  const producer = opts !== undefined && "producer" in opts ? opts.producer : undefined;
  if (producer !== undefined) assertProducer(producer);
  return { expected, producer };
}

/**
 * Checks an optimistic-concurrency write: `expected` must be `next`, the offset the write
 * would get.
 *
 * @throws {ConflictError} When `expected` is below `next`: it is taken.
 * @throws {RangeError} When `expected` is above `next`.
 */
function checkExpected(expected: number, next: number): void {
  if (expected < next) throw new ConflictError(expected, next);
  if (expected > next) {
    throw new RangeError(`Cannot append at offset "${expected}" past the next offset "${next}"`);
  }
}

/**
 * Copies of a batch's records for a coalescing driver, packed into one buffer: a fresh
 * ArrayBuffer per record costs more than copying a small record.
 */
function packedCopies(records: readonly Uint8Array[], size: number, created: number): NewRecord[] {
  const buffer = new Uint8Array(size);
  const copies: NewRecord[] = [];
  let at = 0;
  for (const data of records) {
    buffer.set(data, at);
    copies.push({ created, data: buffer.subarray(at, at + data.byteLength) });
    at += data.byteLength;
  }
  return copies;
}
