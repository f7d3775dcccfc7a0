/**
 * Where the console keeps the token a user gave it: the tab's `sessionStorage`, so that it
 * lasts as long as the tab and never reaches another tab, the disk of a later session, or
 * the server's page (which holds no secret).
 *
 * @example
 * ```ts
 * import { TokenStore } from "./token_store.ts";
 * import assert from "node:assert/strict";
 *
 * const tokens = new TokenStore(sessionStorage);
 * tokens.set("  eyJ...  ");
 * assert.equal(tokens.get(), "eyJ...");
 * tokens.clear();
 * assert.equal(tokens.get(), undefined);
 * ```
 *
 * @module
 */

/** The storage key of the token. */
export const TOKEN_KEY = "edgelog.console.token";

/** The part of the Web Storage API the stores use. */
export interface KeyValueStorage {
  /** The value of a key, or `null`. */
  getItem(key: string): string | null;
  /** Sets a key. */
  setItem(key: string, value: string): void;
  /** Removes a key. */
  removeItem(key: string): void;
}

/** The token of this tab. */
export class TokenStore {
  readonly #storage: KeyValueStorage;

  /**
   * A store over a storage: the tab's `sessionStorage`.
   *
   * @param storage The storage.
   */
  constructor(storage: KeyValueStorage) {
    this.#storage = storage;
  }

  /**
   * The token, or `undefined` when none was given.
   *
   * @returns The token.
   */
  get(): string | undefined {
    const token = this.#storage.getItem(TOKEN_KEY);
    return token === null || token === "" ? undefined : token;
  }

  /**
   * Keeps a token, without the spaces around it.
   *
   * @param token The token.
   * @throws {RangeError} When it is empty.
   */
  set(token: string): void {
    const trimmed = token.trim();
    if (trimmed === "") throw new RangeError("Expected a token, got an empty one");
    this.#storage.setItem(TOKEN_KEY, trimmed);
  }

  /** Forgets the token. */
  clear(): void {
    this.#storage.removeItem(TOKEN_KEY);
  }
}
