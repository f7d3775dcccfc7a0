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
  type RecordLocation,
  StorageJournal,
  type StoredRecord,
} from "../core/storage_journal.ts";
import { ProducerLru } from "./producer_lru.ts";

/** Records per chunk: a power of two, so that a position finds its chunk by a division. */
const CHUNK_RECORDS = 4096;
/** The first chunk's columns start this small, so that a journal of a few records is small. */
const FIRST_CAPACITY = 16;
/** The first chunk's bytes start this small. */
const FIRST_BYTES = 256;
/** Records above this size are kept as an array of their own, not packed into a chunk. */
const MAX_PACKED = 4096;
/** Dropped chunks are removed from the chunk list in bulk, once there are this many. */
const DEAD_CHUNKS = 64;

/**
 * Up to {@linkcode CHUNK_RECORDS} consecutive records, column-wise: their bytes packed into
 * one buffer, where each ends in `ends`, and their creation times in `created`. A record's
 * bytes are written once and never changed: when the buffer grows, the new one is a copy
 * and the old one stays as it was for readers that hold it.
 */
class Chunk {
  /** The end of each record's bytes in `bytes`; its start is the previous one's end. */
  ends: Uint32Array;
  /** Each record's creation time, in milliseconds since the epoch. */
  created: Float64Array;
  bytes: Uint8Array;
  /** Records too large to pack, by index in the chunk (their packed size is 0). */
  large: Map<number, Uint8Array> | undefined = undefined;
  count = 0;
  used = 0;

  /**
   * A chunk with room for `capacity` records and `bytes` bytes, or with the columns of a
   * dropped chunk (never its bytes, which readers may still hold).
   */
  constructor(capacity: number, bytes: number, columns?: Chunk) {
    this.ends = columns?.ends ?? new Uint32Array(capacity);
    this.created = columns?.created ?? new Float64Array(capacity);
    this.bytes = new Uint8Array(bytes);
  }

  /** Appends a copy of `data`. The chunk is not full. */
  push(data: Uint8Array, created: number): void {
    const i = this.count;
    if (i === this.ends.length) this.#growColumns();
    const size = data.byteLength;
    let at = this.used;
    if (size > MAX_PACKED) {
      (this.large ??= new Map()).set(i, data.slice());
    } else if (size > 0) {
      if (at + size > this.bytes.byteLength) this.#growBytes(at + size);
      this.bytes.set(data, at);
      at += size;
    }
    this.used = at;
    this.ends[i] = at;
    this.created[i] = created;
    this.count = i + 1;
  }

  /** Points `into` at record `i`. */
  locate(i: number, position: number, into: RecordLocation): void {
    into.position = position;
    into.created = this.created[i]!;
    const large = this.large?.get(i);
    if (large !== undefined) {
      into.bytes = large;
      into.start = 0;
      into.end = large.byteLength;
      return;
    }
    into.bytes = this.bytes;
    into.start = i === 0 ? 0 : this.ends[i - 1]!;
    into.end = this.ends[i]!;
  }

  /** A view of record `i`'s bytes. */
  view(i: number): Uint8Array {
    const large = this.large?.get(i);
    if (large !== undefined) return large;
    return this.bytes.subarray(i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  #growColumns(): void {
    const capacity = Math.min(this.ends.length * 2, CHUNK_RECORDS);
    const ends = new Uint32Array(capacity);
    ends.set(this.ends);
    const created = new Float64Array(capacity);
    created.set(this.created);
    this.ends = ends;
    this.created = created;
  }

  #growBytes(needed: number): void {
    let size = Math.max(this.bytes.byteLength * 2, FIRST_BYTES);
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.used));
    this.bytes = bytes;
  }
}

/**
 * An in-memory {@linkcode Journal}: the default storage of a {@linkcode Log}. A fresh
 * journal has bounds `[0, 0)`, or `[start, start)` when created with a `start`.
 *
 * Records are held column-wise in chunks of 4096: their bytes packed into one buffer per
 * chunk, their ends and creation times in typed arrays, so that a record costs its bytes
 * and 12 more (no object, no view, no Date per record). Truncation and retention drop
 * whole chunks, oldest first, once every record in them is gone. Appends, reads and
 * truncation are amortized O(1) per record.
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
  #chunks: Chunk[] = [];
  /** Index in `#chunks` of the first live chunk; those before it are dropped. */
  #head = 0;
  /** The position of the first record of the chunk at `#head`. */
  #base: number;
  #begin: number;
  #end: number;
  #origin: number;
  /** Producer states by id, least recently used first. */
  #producers = new ProducerLru();
  /** The last full chunk dropped: its columns serve the next chunk. */
  #spare: Chunk | undefined = undefined;

  /**
   * Creates an empty journal.
   *
   * @param options `start` (the first position, default 0) and `clock`.
   * @throws {RangeError} When `start` is negative or not a safe integer.
   */
  constructor(options: JournalOptions = {}) {
    super(options);
    this.#origin =
      this.#begin =
      this.#end =
      this.#base =
        options.start ?? 0;
  }

  /** This driver copies the bytes it is given into its chunks: the Log need not copy. */
  override get copiesRecords(): boolean {
    return true;
  }

  /** Driver hook: Reads the bounds. */
  protected override loadBounds(): Bounds {
    return { begin: this.#begin, end: this.#end };
  }

  /** Driver hook: Reads up to `limit` records from `pos`, as views of the chunks. */
  protected override loadRecords(pos: number, limit: number): StoredRecord[] {
    if (pos < this.#begin || pos >= this.#end) return [];
    const stop = Math.min(this.#end, pos + limit);
    const records: StoredRecord[] = [];
    for (let position = pos; position < stop; position++) {
      const rel = position - this.#base;
      const k = Math.floor(rel / CHUNK_RECORDS);
      const chunk = this.#chunks[this.#head + k]!;
      const i = rel - k * CHUNK_RECORDS;
      records.push({ position, created: chunk.created[i]!, data: chunk.view(i) });
    }
    return records;
  }

  /** Driver hook: Points `into` at a record, allocating nothing. */
  protected override locateRecord(pos: number, into: RecordLocation): boolean {
    if (pos < this.#begin || pos >= this.#end) return false;
    const rel = pos - this.#base;
    const k = Math.floor(rel / CHUNK_RECORDS);
    this.#chunks[this.#head + k]!.locate(rel - k * CHUNK_RECORDS, pos, into);
    return true;
  }

  /** Driver hook: Points `into` at consecutive records, allocating nothing. */
  protected override locateRecords(
    pos: number,
    limit: number,
    into: RecordLocation,
    visit: () => void,
  ): number {
    if (pos < this.#begin || pos >= this.#end) return 0;
    const stop = Math.min(this.#end, pos + limit);
    const rel = pos - this.#base;
    let k = Math.floor(rel / CHUNK_RECORDS);
    let i = rel - k * CHUNK_RECORDS;
    let chunk = this.#chunks[this.#head + k]!;
    for (let position = pos; position < stop; position++) {
      if (i === CHUNK_RECORDS) {
        chunk = this.#chunks[this.#head + ++k]!;
        i = 0;
      }
      chunk.locate(i++, position, into);
      visit();
    }
    return stop - pos;
  }

  /** Driver hook: Appends copies of the records atomically, with retention. */
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
    // Nothing below throws (but for lack of memory): the records and the producers change
    // together.
    const chunks = this.#chunks;
    for (let r = 0; r < records.length; r++) {
      const { created, data } = records[r]!;
      let last = chunks[chunks.length - 1];
      if (last === undefined || last.count === CHUNK_RECORDS) {
        // After a full chunk, the next starts at full size, with room for as many bytes.
        last = last === undefined
          ? new Chunk(FIRST_CAPACITY, FIRST_BYTES)
          : new Chunk(CHUNK_RECORDS, Math.max(last.used, FIRST_BYTES), this.#spare);
        this.#spare = undefined;
        chunks.push(last);
      }
      last.push(data, created);
    }
    this.#end = end + records.length;
    if (truncateBefore > this.#begin) this.#dropBelow(truncateBefore);
    if (producers !== undefined) this.#storeProducers(producers);
  }

  /** Driver hook: Finds a creation time by binary search over the chunks' columns. */
  protected override seekCreated(time: number, from: number, end: number): CreatedPosition {
    let lo = from;
    let hi = end;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.#createdAt(mid) >= time) hi = mid;
      else lo = mid + 1;
    }
    return { position: lo, created: lo < end ? this.#createdAt(lo) : undefined };
  }

  /** Driver hook: Reads a producer's state: the journal's own, not to be changed. */
  protected override loadProducer(id: string): ProducerState | undefined {
    return this.#producers.get(id);
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
    this.#origin =
      this.#begin =
      this.#end =
      this.#base =
        first;
    return true;
  }

  /** Driver hook: Releases resources on close. */
  protected override release(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#spare = undefined;
    this.#producers.clear();
  }

  #createdAt(pos: number): number {
    const rel = pos - this.#base;
    const k = Math.floor(rel / CHUNK_RECORDS);
    return this.#chunks[this.#head + k]!.created[rel - k * CHUNK_RECORDS]!;
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

  /** Moves the beginning to `end`, dropping every chunk whose records are all below it. */
  #dropBelow(end: number): void {
    this.#begin = end;
    if (end === this.#end) {
      // Nothing left: every chunk goes, and the next record starts a fresh one.
      this.#chunks = [];
      this.#head = 0;
      this.#base = end;
      return;
    }
    const chunks = this.#chunks;
    while (this.#base + CHUNK_RECORDS <= end) {
      this.#spare = chunks[this.#head];
      chunks[this.#head++] = undefined!;
      this.#base += CHUNK_RECORDS;
    }
    if (this.#head >= DEAD_CHUNKS) {
      this.#chunks = chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
