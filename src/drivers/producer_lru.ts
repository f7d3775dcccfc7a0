/**
 * Producer states in the order of their last use, for the drivers that prune them.
 *
 * @module
 */
import type { ProducerState } from "../core/producer.ts";

/** One state in the list, linked to the ones used just before and just after it. */
interface Entry {
  state: ProducerState;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * Producer states by id, least recently used first: a state stored goes to the end, and
 * the least recently used is at hand to be pruned. Every operation takes constant time,
 * whatever was stored and removed before (a `Map` used the same way slows down: the entries
 * removed from its front stay in its table until it is rebuilt, and each walk from the front
 * steps over them).
 *
 * @example
 * ```ts
 * import { ProducerLru } from "./producer_lru.ts";
 * import assert from "node:assert/strict";
 *
 * const state = (id: string, lastUsed: number) =>
 *   ({ id, epoch: 0, seq: 0, offset: 0, count: 1, lastUsed });
 * const lru = new ProducerLru();
 * lru.store(state("a", 1));
 * lru.store(state("b", 2));
 * lru.store(state("a", 3));
 * assert.equal(lru.oldest()?.id, "b");
 * lru.delete("b");
 * assert.deepEqual(lru.get("a"), state("a", 3));
 * assert.equal(lru.size, 1);
 * ```
 */
export class ProducerLru {
  readonly #entries = new Map<string, Entry>();
  #oldest: Entry | undefined;
  #newest: Entry | undefined;

  /** How many states are kept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The state kept for `id`: the object stored, not a copy.
   *
   * @param id The producer's id.
   * @returns Its state, or `undefined`.
   */
  get(id: string): ProducerState | undefined {
    return this.#entries.get(id)?.state;
  }

  /**
   * Keeps `state` as the most recently used, in place of any state of its id.
   *
   * @param state The state, kept as it is (not copied).
   */
  store(state: ProducerState): void {
    const entry = this.#entries.get(state.id);
    if (entry === undefined) {
      const added: Entry = { state, older: this.#newest, newer: undefined };
      this.#entries.set(state.id, added);
      this.#append(added);
      return;
    }
    entry.state = state;
    if (entry === this.#newest) return;
    this.#unlink(entry);
    entry.older = this.#newest;
    entry.newer = undefined;
    this.#append(entry);
  }

  /**
   * The least recently used state.
   *
   * @returns It, or `undefined` when none is kept.
   */
  oldest(): ProducerState | undefined {
    return this.#oldest?.state;
  }

  /**
   * The state used just after `state`.
   *
   * @param state A state kept.
   * @returns The next one in the order of use, or `undefined` after the newest.
   */
  newerThan(state: ProducerState): ProducerState | undefined {
    return this.#entries.get(state.id)?.newer?.state;
  }

  /**
   * Removes the state of `id`, if any.
   *
   * @param id The producer's id.
   */
  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#unlink(entry);
  }

  /** Removes every state. */
  clear(): void {
    this.#entries.clear();
    this.#oldest = this.#newest = undefined;
  }

  #append(entry: Entry): void {
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
  }
}
