/**
 * The in-memory storage driver.
 *
 * @module
 */
import { ConflictError } from "../core/errors.ts";
import type { Bounds } from "../core/journal.ts";
import type { ProducerCommit, ProducerState } from "../core/producer.ts";
import {
  type CreatedPosition,
  type JournalOptions,
  type NewRecord,
  StorageJournal,
  type StoredRecord,
} from "../core/storage_journal.ts";
import { ProducerLru } from "./producer_lru.ts";

/**
 * An in-memory {@linkcode Journal}: the default storage of a {@linkcode Log}. A fresh
 * journal has bounds `[0, 0)`, or `[start, start)` when created with a `start`.
 *
 * Records live in one array whose consumed head is reclaimed in bulk, so appends,
 * reads and truncation are amortized O(1) per record.
 *
 * @example
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const journal = new MemoryJournal();
 * await journal.append(0, new TextEncoder().encode("hello"));
 * await journal.append(1, new TextEncoder().encode("world"));
 * await journal.truncate(1);
 * assert.deepEqual(await journal.bounds(), { begin: 1, end: 2 });
 * assert.equal(new TextDecoder().decode(await journal.get(1)), "world");
 * ```
 */
export class MemoryJournal extends StorageJournal {
  #records: StoredRecord[] = [];
  /** Index in #records of the record at `#begin`; slots before it are dead. */
  #head = 0;
  #begin: number;
  #end: number;
  #origin: number;
  /** Producer states by id, least recently used first. */
  #producers = new ProducerLru();

  /**
   * Creates an empty journal.
   *
   * @param options `start` (the first position, default 0) and `clock`.
   * @throws {RangeError} When `start` is negative or not a safe integer.
   */
  constructor(options: JournalOptions = {}) {
    super(options);
    this.#origin = this.#begin = this.#end = options.start ?? 0;
  }

  /** Driver hook: Reads the bounds. */
  protected override loadBounds(): Bounds {
    return { begin: this.#begin, end: this.#end };
  }

  /** Driver hook: Reads up to `limit` records from `pos`. */
  protected override loadRecords(pos: number, limit: number): StoredRecord[] {
    if (pos < this.#begin || pos >= this.#end) return [];
    const from = this.#head + (pos - this.#begin);
    return this.#records.slice(from, from + limit);
  }

  /** Driver hook: Appends records atomically, with retention. */
  protected override storeRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
    producers: ProducerCommit | undefined,
  ): void {
    if (end < this.#end) throw new ConflictError(end, this.#end);
    if (end > this.#end) {
      throw new RangeError(`Cannot append at position "${end}" past the end "${this.#end}"`);
    }
    // Nothing below throws: the records and the producers change together.
    let position = end;
    for (const { created, data } of records) {
      this.#records.push({ position: position++, created, data });
    }
    this.#end = position;
    if (truncateBefore > this.#begin) this.#dropBelow(truncateBefore);
    if (producers !== undefined) this.#storeProducers(producers);
  }

  /** Driver hook: Finds a creation time by binary search over the array. */
  protected override seekCreated(time: number, from: number, end: number): CreatedPosition {
    const records = this.#records;
    const offset = this.#head - this.#begin;
    let lo = from;
    let hi = end;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (records[offset + mid]!.created >= time) hi = mid;
      else lo = mid + 1;
    }
    return { position: lo, created: lo < end ? records[offset + lo]!.created : undefined };
  }

  /** Driver hook: Reads a producer's state: the journal's own, not to be changed. */
  protected override loadProducer(id: string): ProducerState | undefined {
    return this.#producers.get(id);
  }

  /** Keeps the states given (not copies: like records, they are the journal's now). */
  #storeProducers({ states, added, expireBefore, maxCount }: ProducerCommit): void {
    const producers = this.#producers;
    for (const state of states) producers.store(state);
    if (!added) return;
    // Least recently used first: expired ones and those over the count are at the front.
    for (let oldest = producers.oldest(); oldest !== undefined; oldest = producers.oldest()) {
      if (oldest.lastUsed >= expireBefore && producers.size <= maxCount) break;
      producers.delete(oldest.id);
    }
  }

  /** Driver hook: Removes the records below `end`. */
  protected override dropRecords(end: number): void {
    if (end > this.#end) {
      throw new RangeError(`Cannot truncate to position "${end}" past the end "${this.#end}"`);
    }
    if (end > this.#begin) this.#dropBelow(end);
  }

  /** Driver hook: Reads the first position. */
  protected override loadOrigin(): number {
    return this.#origin;
  }

  /** Driver hook: Moves a fresh journal to start at `first`. */
  protected override moveOrigin(first: number): boolean {
    if (this.#end !== this.#origin) return false;
    this.#origin = this.#begin = this.#end = first;
    return true;
  }

  /** Driver hook: Releases resources on close. */
  protected override release(): void {
    this.#records = [];
    this.#head = 0;
    this.#producers.clear();
  }

  #dropBelow(end: number): void {
    this.#head += end - this.#begin;
    this.#begin = end;
    // Reclaim the dead head once it outweighs the live records: amortized O(1).
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
  }
}
