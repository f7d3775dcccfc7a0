/**
 * The logs this browser opened lately, newest first, kept in `localStorage` (names only: no
 * token, no record), so that the console offers them again.
 *
 * @example
 * ```ts
 * import { RecentLogs } from "./recent_logs.ts";
 * import assert from "node:assert/strict";
 *
 * localStorage.clear();
 * const recent = new RecentLogs(localStorage, 3);
 * for (const name of ["a", "b", "a", "c", "d"]) recent.add(name);
 * assert.deepEqual(recent.list(), ["d", "c", "a"]);
 * ```
 *
 * @module
 */
import type { KeyValueStorage } from "./token_store.ts";

/** The storage key of the list. */
export const RECENT_KEY = "edgelog.console.recent";

/** The names of recently opened logs. */
export class RecentLogs {
  readonly #storage: KeyValueStorage;
  readonly #max: number;

  /**
   * A list over a storage: the browser's `localStorage`.
   *
   * @param storage The storage.
   * @param max How many names it keeps (default 8).
   */
  constructor(storage: KeyValueStorage, max = 8) {
    this.#storage = storage;
    this.#max = max;
  }

  /**
   * The names, newest first. A list the storage holds in another shape is taken as empty.
   *
   * @returns The names.
   */
  list(): string[] {
    let value: unknown;
    try {
      value = JSON.parse(this.#storage.getItem(RECENT_KEY) ?? "[]");
    } catch {
      return [];
    }
    return Array.isArray(value)
      ? value.filter((v): v is string => typeof v === "string").slice(0, this.#max)
      : [];
  }

  /**
   * Puts a name first (once).
   *
   * @param name The log's name.
   */
  add(name: string): void {
    const names = [name, ...this.list().filter((n) => n !== name)].slice(0, this.#max);
    this.#storage.setItem(RECENT_KEY, JSON.stringify(names));
  }
}
