/**
 * The recent writes of each producer that appends over a session: so that a resent append
 * older than the producer's last write, which the Log answers as a duplicate with offset -1
 * (it keeps the offsets of the last write only), is answered with its original offsets.
 *
 * @module
 */
import { DEFAULT_PRODUCER_TTL } from "../../src/core/producer.ts";
import { MAX_SESSION_IN_FLIGHT_APPENDS } from "../../src/protocol/session.ts";

/** Consecutive seqs of one producer, each write of `count` records, stored back to back. */
type Run = { seq: number; offset: number; count: number; n: number };

/** What is kept of one producer. */
type Known = { epoch: number; runs: Run[]; lastUsed: number };

/** The part of `ctx.storage.kv` (the object's synchronous key-value storage) used here. */
export interface AckStore {
  get<T = unknown>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
  delete(key: string): boolean;
  list<T = unknown>(options?: { startAfter?: string; prefix?: string; limit?: number }): Iterable<
    [string, T]
  >;
}

/** The key prefix of the producers' writes in the object's key-value storage. */
const KEY_PREFIX = "edgelog/session-acks/";
/** The most producers held in memory; the least recently used are dropped first. */
const MAX_CACHED = 1000;
/** Stored producers looked at for expiry each time a new one is stored. */
const EXPIRY_STEP = 16;

/**
 * What a LogObject keeps of the writes of session producers: per producer, its epoch and
 * the offsets of at least its last {@linkcode MAX_SESSION_IN_FLIGHT_APPENDS} seqs (a writer
 * never has more in flight, so every append it may resend is covered). A writer of single
 * records that nobody interleaves costs one run, whatever its number of writes.
 *
 * Kept in the object's key-value storage (`ctx.storage.kv`), so that a resend after the
 * object restarted (eviction, a crash) finds it too. {@linkcode ProducerAcks.save} writes
 * what changed in the same turn as the commit's answers are sent: the runtime's output gate
 * holds those answers until the write is durable, and the write joins the commit's own
 * implicit transaction. A cache in memory saves the reads. A producer unused for as long as
 * the Log keeps producers (7 days) is deleted, a few at a time, whenever a new one is stored.
 */
export class ProducerAcks {
  readonly #store: AckStore;
  readonly #cache = new Map<string, Known>();
  readonly #dirty = new Set<string>();
  /** Where the next expiry step starts in the stored keys. */
  #expiryCursor = "";

  /**
   * @param store The object's key-value storage.
   */
  constructor(store: AckStore) {
    this.#store = store;
  }

  /**
   * Remembers a producer's write that was just committed; {@linkcode ProducerAcks.save}
   * stores it.
   *
   * @param id The producer's id.
   * @param epoch Its epoch.
   * @param seq The write's seq.
   * @param offset The offset of its first record.
   * @param count How many records it held.
   */
  written(id: string, epoch: number, seq: number, offset: number, count: number): void {
    let known = this.#load(id);
    const now = Date.now();
    if (known === undefined) this.#expire(now);
    const newest = known?.runs[known.runs.length - 1];
    // A seq that does not follow the writes kept is a new life of the producer: the log
    // forgot it (it was deleted, or the producer expired) and it started over.
    if (
      known === undefined || known.epoch !== epoch ||
      (newest !== undefined && seq < newest.seq + newest.n)
    ) {
      known = { epoch, runs: [], lastUsed: now };
      this.#remember(id, known);
    }
    known.lastUsed = now;
    this.#dirty.add(id);
    const runs = known.runs;
    const last = runs[runs.length - 1];
    if (
      last !== undefined && last.seq + last.n === seq && last.count === count &&
      last.offset + last.n * count === offset
    ) {
      last.n++;
    } else runs.push({ seq, offset, count, n: 1 });
    const oldest = seq - MAX_SESSION_IN_FLIGHT_APPENDS;
    let drop = 0;
    while (drop < runs.length - 1 && runs[drop]!.seq + runs[drop]!.n <= oldest) drop++;
    if (drop > 0) runs.splice(0, drop);
  }

  /** Stores the producers whose writes changed since the last call. */
  save(): void {
    for (const id of this.#dirty) {
      const known = this.#cache.get(id);
      if (known !== undefined) this.#store.put(KEY_PREFIX + id, known);
    }
    this.#dirty.clear();
  }

  /**
   * The offsets of a producer's earlier write, when kept.
   *
   * @param id The producer's id.
   * @param epoch The write's epoch.
   * @param seq The write's seq.
   * @returns Its first offset and count, or `undefined`.
   */
  find(id: string, epoch: number, seq: number): { offset: number; count: number } | undefined {
    const known = this.#load(id);
    if (known === undefined || known.epoch !== epoch) return undefined;
    for (const run of known.runs) {
      if (seq >= run.seq && seq < run.seq + run.n) {
        return { offset: run.offset + (seq - run.seq) * run.count, count: run.count };
      }
    }
    return undefined;
  }

  /** Forgets what is cached (the log's storage was deleted, and the stored writes with it). */
  clear(): void {
    this.#cache.clear();
    this.#dirty.clear();
  }

  #load(id: string): Known | undefined {
    const cached = this.#cache.get(id);
    if (cached !== undefined) {
      // Most recently used last.
      this.#cache.delete(id);
      this.#cache.set(id, cached);
      return cached;
    }
    const stored = this.#store.get<Known>(KEY_PREFIX + id);
    if (stored === undefined || !Array.isArray(stored.runs)) return undefined;
    this.#remember(id, stored);
    return stored;
  }

  /** Deletes the stored producers unused for longer than the TTL, among the next few keys. */
  #expire(now: number): void {
    let seen = 0;
    for (
      const [key, known] of this.#store.list<Known>({
        prefix: KEY_PREFIX,
        startAfter: this.#expiryCursor,
        limit: EXPIRY_STEP,
      })
    ) {
      seen++;
      this.#expiryCursor = key;
      if (!(known?.lastUsed >= now - DEFAULT_PRODUCER_TTL)) {
        this.#store.delete(key);
        this.#cache.delete(key.slice(KEY_PREFIX.length));
      }
    }
    if (seen < EXPIRY_STEP) this.#expiryCursor = "";
  }

  #remember(id: string, known: Known): void {
    this.#cache.delete(id);
    this.#cache.set(id, known);
    if (this.#cache.size > MAX_CACHED) {
      const oldest = this.#cache.keys().next().value!;
      if (!this.#dirty.has(oldest)) this.#cache.delete(oldest);
    }
  }
}
