/**
 * The storage driver contract under both the Journal and the Log.
 *
 * @module
 */
import { ClosedError, NotFoundError } from "./errors.ts";
import type { Bounds, CallOptions, Journal, RangeFn } from "./journal.ts";
import type { ProducerCommit, ProducerState } from "./producer.ts";
import { assertBytes, assertPosition, checkSignal, describe } from "./validate.ts";

/** A record as a driver keeps it: its bytes beside its creation time. */
export interface StoredRecord {
  /** The record's position (the Log's offset). */
  position: number;
  /** The creation time in milliseconds since the Unix epoch. */
  created: number;
  /** The record's bytes. Drivers may hand out their own copy: callers must not mutate it. */
  data: Uint8Array;
}

/**
 * Where a record's bytes are, without a view of them: `bytes[start, end)`. A driver fills
 * one the caller gives ({@linkcode StorageJournal.readRecordAt}), so that reading a record
 * allocates nothing; the bytes are the driver's, and it never changes them afterwards, so
 * a reader may copy them later.
 */
export interface RecordLocation {
  /** The record's position. */
  position: number;
  /** The creation time in milliseconds since the Unix epoch. */
  created: number;
  /** A buffer that holds the record's bytes (and maybe others). */
  bytes: Uint8Array;
  /** Where the record starts in `bytes`. */
  start: number;
  /** Where it ends in `bytes`. */
  end: number;
}

/** An empty location, to be filled by {@linkcode StorageJournal.readRecordAt}. */
export function emptyLocation(): RecordLocation {
  return { position: 0, created: 0, bytes: new Uint8Array(0), start: 0, end: 0 };
}

/** A record on its way into a driver. */
export interface NewRecord {
  /** The creation time in milliseconds since the Unix epoch. */
  created: number;
  /**
   * The bytes to store. Ownership passes to the driver: callers hand over a copy, which
   * may be a view into a buffer shared with other records' copies (honour `byteOffset`).
   */
  data: Uint8Array;
}

/**
 * Where a search by creation time ends ({@linkcode StorageJournal.findCreated}): the first
 * position whose record was created at or after the time, with that record's time.
 */
export interface CreatedPosition {
  /** The first position found, or the end when no record was created at or after the time. */
  position: number;
  /** The creation time of the record at `position`; `undefined` when `position` is the end. */
  created: number | undefined;
}

/** Options of the journals shipped with edgelog. */
export interface JournalOptions {
  /** The position of the first record of a fresh journal. Default 0. */
  start?: number;
  /** The clock that stamps records appended through {@linkcode Journal.append}. */
  clock?: () => Date;
}

/** How many records one page of {@linkcode StorageJournal.range} reads at a time. */
const RANGE_PAGE = 256;

/**
 * The storage driver contract: a {@linkcode Journal} whose driver-level operations are
 * synchronous, so that a {@linkcode Log} over it checks and writes its state with no
 * `await` in between. Every embedded engine edgelog targets is synchronous: memory,
 * `node:sqlite` and a Durable Object's `ctx.storage.sql`.
 *
 * A driver implements the protected hooks; this class validates arguments, enforces
 * `close()`, honours abort signals and copies records in and out, once for every driver.
 * The public synchronous methods are the driver-level API the Log uses; they are
 * exported for drivers and tests, and application code rarely needs them.
 *
 * @example The driver-level read shows each record's creation time
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const journal = new MemoryJournal({ clock: () => new Date(1000) });
 * await journal.append(0, new Uint8Array([42]));
 * const [record] = journal.readRecords(0, 10);
 * assert.equal(record?.created, 1000);
 * ```
 */
export abstract class StorageJournal implements Journal {
  #closed = false;
  readonly #clock: () => Date;
  /** The end after the last append through {@linkcode StorageJournal.append}, and its time. */
  #last = { end: -1, created: -Infinity };

  /**
   * Sets up the parts every driver shares.
   *
   * @param options The journal options; `start` is applied by the driver.
   */
  constructor(options: JournalOptions = {}) {
    const clock = options.clock ?? (() => new Date());
    if (typeof clock !== "function") {
      throw new TypeError(`Expected clock to be a function, got ${describe(clock)}`);
    }
    this.#clock = clock;
    if (options.start !== undefined) assertPosition("start", options.start);
  }

  /** Resolves the current bounds of the driver, in its own atomic unit. */
  protected abstract loadBounds(): Bounds;
  /** Returns up to `limit` records from `pos`, or none when `pos` holds no record. */
  protected abstract loadRecords(pos: number, limit: number): StoredRecord[];
  /**
   * Returns the record at `pos`, or `undefined` when `pos` holds none (outside
   * `[begin, end)`). A driver that can find one record more cheaply than a page of
   * {@linkcode StorageJournal.loadRecords} (one statement, one index lookup) overrides it.
   */
  protected loadRecord(pos: number): StoredRecord | undefined {
    return this.loadRecords(pos, 1)[0];
  }
  /**
   * Points `into` at the record at `pos` and returns true, or returns false when `pos`
   * holds none. By default from {@linkcode StorageJournal.loadRecord}; a driver that keeps
   * records in shared buffers overrides it to read without allocating.
   */
  protected locateRecord(pos: number, into: RecordLocation): boolean {
    const record = this.loadRecord(pos);
    if (record === undefined) return false;
    locate(into, record);
    return true;
  }
  /**
   * Points `into` at each of up to `limit` records from `pos` in turn, calling `visit`
   * after each, and returns how many it visited (none when `pos` holds no record). By
   * default from {@linkcode StorageJournal.loadRecords}.
   */
  protected locateRecords(
    pos: number,
    limit: number,
    into: RecordLocation,
    visit: () => void,
  ): number {
    const records = this.loadRecords(pos, limit);
    for (const record of records) {
      locate(into, record);
      visit();
    }
    return records.length;
  }
  /**
   * Atomically checks that `end` is the current end (else throws `ConflictError` for a
   * lower `end`, `RangeError` for a higher one), appends `records` at consecutive
   * positions, removes every record below `truncateBefore`, and stores the producer states
   * of `producers` (pruning old ones as it says), all in one atomic unit.
   */
  protected abstract storeRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
    producers: ProducerCommit | undefined,
  ): void;
  /**
   * Returns the first position in `[from, end)` whose record was created at or after
   * `time`, with its creation time, or `end` (and `undefined`) when there is none. Every
   * position in `[from, end)` holds a record, and creation times never decrease with the
   * position, so a binary search over positions finds it.
   */
  protected abstract seekCreated(time: number, from: number, end: number): CreatedPosition;
  /** Returns the stored state of the producer `id`, or `undefined`. */
  protected abstract loadProducer(id: string): ProducerState | undefined;
  /** Atomically removes the records below `end`; throws `RangeError` past the end. */
  protected abstract dropRecords(end: number): void;
  /** Returns the first position this journal was created with. */
  protected abstract loadOrigin(): number;
  /** Moves a journal that never held a record to start at `first`; false otherwise. */
  protected abstract moveOrigin(first: number): boolean;
  /** Releases the driver's resources. */
  protected abstract release(): void;

  /**
   * Whether a {@linkcode Log} over this driver should coalesce concurrent writes into one
   * commit. True for drivers whose commits are costly (SQLite); false by default.
   */
  get coalescesWrites(): boolean {
    return false;
  }

  /**
   * Whether {@linkcode StorageJournal.appendRecords} copies the records' bytes before it
   * returns and keeps neither the array nor the record objects, so that a caller may hand
   * over bytes it still owns and reuse its objects (the {@linkcode Log} then makes no copy
   * of its own). False by default: the driver keeps the bytes it is given.
   */
  get copiesRecords(): boolean {
    return false;
  }

  /** Whether {@linkcode StorageJournal.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Driver level: the current bounds, synchronously.
   *
   * @returns The half-open bounds.
   * @throws {ClosedError} After close.
   */
  readBounds(): Bounds {
    this.#assertOpen();
    return this.loadBounds();
  }

  /**
   * Driver level: up to `limit` records starting exactly at `pos`, with their creation
   * times; an empty array when `pos` holds no record. The returned bytes may be the
   * driver's own: do not mutate them.
   *
   * @param pos The first position.
   * @param limit The maximum number of records, at least 1.
   * @returns The records, in position order.
   * @throws {ClosedError} After close.
   */
  readRecords(pos: number, limit: number): StoredRecord[] {
    this.#assertOpen();
    return this.loadRecords(pos, limit);
  }

  /**
   * Driver level: the record at `pos`, or `undefined` when `pos` holds none. A read of one
   * record that needs no separate bounds check: a position below `begin` or at or past
   * `end` finds nothing. The returned bytes may be the driver's own: do not mutate them.
   *
   * @param pos The position.
   * @returns The record, or `undefined`.
   * @throws {ClosedError} After close.
   *
   * @example
   * ```ts
   * import { MemoryJournal } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const journal = new MemoryJournal({ start: 5 });
   * await journal.append(5, new Uint8Array([42]));
   * assert.deepEqual(journal.readRecord(5)?.data, new Uint8Array([42]));
   * assert.equal(journal.readRecord(4), undefined);
   * assert.equal(journal.readRecord(6), undefined);
   * ```
   */
  readRecord(pos: number): StoredRecord | undefined {
    this.#assertOpen();
    return this.loadRecord(pos);
  }

  /**
   * Driver level: points `into` at the record at `pos`, as {@linkcode
   * StorageJournal.readRecord} finds it but without a copy or a view: the record is
   * `into.bytes[into.start, into.end)`, bytes the driver never changes afterwards.
   *
   * @param pos The position.
   * @param into The location to fill.
   * @returns Whether `pos` holds a record; `into` is unchanged when it does not.
   * @throws {ClosedError} After close.
   *
   * @example
   * ```ts
   * import { emptyLocation, MemoryJournal } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const journal = new MemoryJournal();
   * await journal.append(0, new Uint8Array([7, 8]));
   * const at = emptyLocation();
   * assert.equal(journal.readRecordAt(0, at), true);
   * assert.deepEqual(at.bytes.subarray(at.start, at.end), new Uint8Array([7, 8]));
   * assert.equal(journal.readRecordAt(1, at), false);
   * ```
   */
  readRecordAt(pos: number, into: RecordLocation): boolean {
    this.#assertOpen();
    return this.locateRecord(pos, into);
  }

  /**
   * Driver level: points `into` at each of up to `limit` consecutive records from `pos`,
   * calling `visit` after each (read `into` there: it changes for the next record).
   *
   * @param pos The first position.
   * @param limit The most records to visit, at least 1.
   * @param into The location to fill.
   * @param visit Called once per record, in position order.
   * @returns How many records were visited; 0 when `pos` holds none.
   * @throws {ClosedError} After close.
   */
  readRecordsAt(pos: number, limit: number, into: RecordLocation, visit: () => void): number {
    this.#assertOpen();
    return this.locateRecords(pos, limit, into, visit);
  }

  /**
   * Driver level: appends `records` at `end` in one atomic unit, and in the same unit
   * removes the records below `truncateBefore` (retention) and stores the producers'
   * states: a crash never keeps records without the state that says they were written.
   *
   * @param end The expected current end.
   * @param records The records to append.
   * @param truncateBefore Records below this position are removed. Default 0.
   * @param producers Producer states to store with the records, and how to prune old ones.
   * A driver may keep the state objects themselves, as it may keep the records' bytes: they
   * must not be changed afterwards.
   * @throws {ConflictError} When `end` is below the current end.
   * @throws {RangeError} When `end` is above the current end.
   * @throws {ClosedError} After close.
   */
  appendRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore = 0,
    producers?: ProducerCommit,
  ): void {
    this.#assertOpen();
    this.storeRecords(end, records, truncateBefore, producers);
  }

  /**
   * Driver level: the first position at or after `from` whose record was created at or
   * after `time` (milliseconds since the epoch), and that record's creation time; the end
   * (and `undefined`) when there is none. A search over positions, not a scan: it relies on
   * creation times that never decrease with the position, which a {@linkcode Log} ensures
   * (records appended otherwise with a clock that went back are found approximately).
   *
   * @param time The time to look for.
   * @param from Where to start; default and at least the journal's `begin`.
   * @returns The position and its record's creation time.
   * @throws {TypeError} When `time` is not a number.
   * @throws {RangeError} When `time` is not finite, or `from` is not a position.
   * @throws {ClosedError} After close.
   *
   * @example
   * ```ts
   * import { MemoryJournal } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * let now = 1000;
   * const journal = new MemoryJournal({ clock: () => new Date(now) });
   * for (const time of [1000, 2000, 2000, 3000]) {
   *   now = time;
   *   const { end } = await journal.bounds();
   *   await journal.append(end, new Uint8Array([1]));
   * }
   * assert.deepEqual(journal.findCreated(1500), { position: 1, created: 2000 });
   * assert.deepEqual(journal.findCreated(2000, 2), { position: 2, created: 2000 });
   * assert.deepEqual(journal.findCreated(9000), { position: 4, created: undefined });
   * ```
   */
  findCreated(time: number, from?: number): CreatedPosition {
    this.#assertOpen();
    if (typeof time !== "number") {
      throw new TypeError(`Expected time to be a number, got ${describe(time)}`);
    }
    if (!Number.isFinite(time)) {
      throw new RangeError(`Expected time to be a finite number, got "${time}"`);
    }
    if (from !== undefined) assertPosition("from", from);
    const { begin, end } = this.loadBounds();
    const first = from === undefined || from < begin ? begin : from;
    if (first >= end) return { position: end, created: undefined };
    return this.seekCreated(time, first, end);
  }

  /**
   * Driver level: the stored state of the producer `id`, whatever its age (the Log
   * decides when a state has expired).
   *
   * @param id The producer's id.
   * @returns Its state, or `undefined` when none is stored. It may be the journal's own
   * object, which must not be changed.
   * @throws {ClosedError} After close.
   */
  readProducer(id: string): ProducerState | undefined {
    this.#assertOpen();
    return this.loadProducer(id);
  }

  /**
   * Driver level: removes the records below `end` in one atomic unit, oldest first;
   * `end <= begin` is a no-op.
   *
   * @param end The first position to keep.
   * @throws {RangeError} When `end` is above the current end.
   * @throws {ClosedError} After close.
   */
  truncateRecords(end: number): void {
    this.#assertOpen();
    this.dropRecords(end);
  }

  /**
   * Driver level: the first position this journal was created with (its `start`).
   *
   * @returns The first position.
   */
  origin(): number {
    this.#assertOpen();
    return this.loadOrigin();
  }

  /**
   * Driver level: makes a journal that never held a record start at `first`.
   *
   * @param first The position of the first record.
   * @returns `true` when the journal was fresh and now starts at `first`.
   */
  restartAt(first: number): boolean {
    this.#assertOpen();
    assertPosition("first", first);
    return this.moveOrigin(first);
  }

  /** {@inheritDoc Journal.bounds} */
  async bounds(opts?: CallOptions): Promise<Bounds> {
    checkSignal(opts?.signal);
    return this.readBounds();
  }

  /** {@inheritDoc Journal.get} */
  async get(pos: number, opts?: CallOptions): Promise<Uint8Array> {
    checkSignal(opts?.signal);
    assertPosition("pos", pos);
    const record = this.readRecord(pos);
    if (record === undefined) throw new NotFoundError(pos);
    return record.data.slice();
  }

  /** {@inheritDoc Journal.range} */
  async range(pos: number, fn: RangeFn, opts?: CallOptions): Promise<void> {
    const signal = opts?.signal;
    checkSignal(signal);
    assertPosition("pos", pos);
    if (typeof fn !== "function") {
      throw new TypeError(`Expected fn to be a function, got ${describe(fn)}`);
    }
    let cursor = pos;
    for (;;) {
      const page = this.readRecords(cursor, RANGE_PAGE);
      if (page.length === 0) {
        if (cursor === pos) throw new NotFoundError(pos);
        return;
      }
      for (const record of page) {
        const result = fn(record.position, record.data.slice());
        const more = result instanceof Promise ? await result : result;
        if (more === false) return;
        signal?.throwIfAborted();
        this.#assertOpen();
      }
      cursor = page[page.length - 1]!.position + 1;
    }
  }

  /**
   * {@inheritDoc Journal.append}
   *
   * The record is stamped with the journal's clock, but never before the last record, so
   * that creation times never decrease ({@linkcode StorageJournal.findCreated}).
   */
  async append(end: number, record: Uint8Array, opts?: CallOptions): Promise<void> {
    checkSignal(opts?.signal);
    assertPosition("end", end);
    assertBytes("record", record);
    const now = this.#clock().getTime();
    const last = this.#lastCreated(end);
    const created = last > now ? last : now;
    this.appendRecords(end, [{ created, data: this.copiesRecords ? record : record.slice() }]);
    this.#last = { end: end + 1, created };
  }

  /** {@inheritDoc Journal.truncate} */
  async truncate(end: number, opts?: CallOptions): Promise<void> {
    checkSignal(opts?.signal);
    assertPosition("end", end);
    this.truncateRecords(end);
  }

  /** {@inheritDoc Journal.close} */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
  }

  /**
   * The creation time of the record before `end`, or -Infinity: kept from the last append
   * through this method, read again when someone else appended since.
   */
  #lastCreated(end: number): number {
    if (this.#last.end === end) return this.#last.created;
    const { begin, end: current } = this.readBounds();
    if (end !== current || current === begin) return -Infinity;
    return this.readRecords(current - 1, 1)[0]?.created ?? -Infinity;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError();
  }
}

/** Points `into` at a stored record's bytes. */
function locate(into: RecordLocation, { position, created, data }: StoredRecord): void {
  into.position = position;
  into.created = created;
  into.bytes = data;
  into.start = 0;
  into.end = data.byteLength;
}
