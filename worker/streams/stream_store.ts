/**
 * A log's Durable Streams state: one row in the object's SQLite database beside the log and
 * its configuration, written when the log is created as a stream (PUT `/v1/stream/{name}`).
 * A log without the row is no stream (404 on `/v1/stream/`), whatever it holds. The layout
 * is versioned (the part `stream` of `edgelog_schema`), as the configuration's is.
 *
 * @module
 */
import type { SqlDatabase } from "../../src/drivers/sql.ts";
import { migrate, type Migration } from "../../src/drivers/sqlite_schema.ts";
import type { StreamSettings } from "../../src/protocol/streams/settings.ts";

/**
 * The layout of the stream table, one step per version (see `migrate`):
 *
 * 1. One row: the settings of the creation (content type, TTL in seconds or expiry time as
 *    given), the closed flag, the last `Stream-Seq`, the time a TTL counts from after a
 *    restart (ms: the last use, or up to {@linkcode renewalSlack} after it, see
 *    {@linkcode StreamStore.touch}) and a random generation (a stream deleted and created
 *    again gets other ETags).
 */
export const STREAM_LAYOUT: readonly Migration[] = [
  (db) =>
    db.exec(`CREATE TABLE IF NOT EXISTS edgelog_stream (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      content_type TEXT NOT NULL,
      ttl_seconds INTEGER,
      expires_at TEXT,
      closed INTEGER NOT NULL DEFAULT 0,
      last_seq TEXT,
      last_used INTEGER NOT NULL,
      generation TEXT NOT NULL
    )`),
];

/** The part of `edgelog_schema` whose version is that of {@linkcode STREAM_LAYOUT}. */
export const STREAM_PART = "stream";

/**
 * How much later than a stream's last use its stored `last_used` may be, in milliseconds: a
 * tenth of its TTL, at most an hour. A read or an append that the stored time still covers
 * writes nothing; after a restart, the TTL counts from the stored time, so a stream may
 * outlive its TTL by this much, never fall short of it.
 *
 * @param ttlSeconds The stream's TTL.
 * @returns The slack.
 *
 * @example
 * ```ts
 * import { renewalSlack } from "./stream_store.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(renewalSlack(60), 6_000);
 * assert.equal(renewalSlack(86_400), 3_600_000);
 * ```
 */
export function renewalSlack(ttlSeconds: number): number {
  return Math.min(ttlSeconds * 100, 3_600_000);
}

/** A stream's state, as stored. */
export interface StreamState extends StreamSettings {
  /** Whether the stream is closed: no more appends. */
  closed: boolean;
  /** The last `Stream-Seq` accepted, or `null`. */
  lastSeq: string | null;
  /**
   * The last read or write, in milliseconds since the Unix epoch (after a restart: the time
   * stored, at most {@linkcode renewalSlack} after it).
   */
  lastUsed: number;
  /** A random id of this creation of the stream. */
  generation: string;
}

/**
 * The stream row of one log; deleting the object's storage deletes it too. The row is held in
 * memory once read: a request reads it at most once per instance, and a TTL's renewal is
 * written only when the stored time no longer covers it ({@linkcode StreamStore.touch}).
 */
export class StreamStore {
  readonly #db: SqlDatabase;
  /** The row as last read or written: `null` for none, `undefined` before the first read. */
  #state: StreamState | null | undefined;
  /** `last_used` as stored (a TTL stream's: its last use, or up to the slack after it). */
  #storedLastUsed = 0;

  /**
   * Opens the store: creates its table when the storage is fresh (it then holds no row,
   * known without reading it).
   *
   * @param db The object's SQLite database.
   * @throws {RangeError} When the table was written by a newer release.
   */
  constructor(db: SqlDatabase) {
    this.#db = db;
    if (migrate(db, STREAM_PART, STREAM_LAYOUT) === 0) this.#state = null;
  }

  /**
   * Reads the stream's state.
   *
   * @returns It, or `undefined` when the log is no stream.
   */
  read(): StreamState | undefined {
    if (this.#state === undefined) {
      const row = this.#db.exec("SELECT * FROM edgelog_stream WHERE id = 1")[0];
      this.#state = row === undefined ? null : {
        contentType: String(row.content_type),
        ttlSeconds: row.ttl_seconds === null ? null : Number(row.ttl_seconds),
        expiresAt: row.expires_at === null ? null : String(row.expires_at),
        closed: Number(row.closed) === 1,
        lastSeq: row.last_seq === null ? null : String(row.last_seq),
        lastUsed: Number(row.last_used),
        generation: String(row.generation),
      };
      if (this.#state !== null) this.#storedLastUsed = this.#state.lastUsed;
    }
    return this.#state ?? undefined;
  }

  /**
   * Stores a stream's state in place of the previous one: one row written. A TTL stream's
   * `lastUsed` is stored with {@linkcode renewalSlack} added, so that the uses that follow
   * within it write nothing.
   *
   * @param state The state.
   */
  write(state: StreamState): void {
    const stored = coveredUntil(state, state.lastUsed);
    // One row written whether it is new or there already (an UPDATE, where REPLACE would
    // delete and insert).
    this.#db.exec(
      `INSERT INTO edgelog_stream
        (id, content_type, ttl_seconds, expires_at, closed, last_seq, last_used, generation)
        VALUES (1, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET content_type = excluded.content_type,
          ttl_seconds = excluded.ttl_seconds, expires_at = excluded.expires_at,
          closed = excluded.closed, last_seq = excluded.last_seq,
          last_used = excluded.last_used, generation = excluded.generation`,
      state.contentType,
      state.ttlSeconds,
      state.expiresAt,
      state.closed ? 1 : 0,
      state.lastSeq,
      stored,
      state.generation,
    );
    this.#state = { ...state };
    this.#storedLastUsed = stored;
  }

  /**
   * Records a use (a read or an append) of a stream with a TTL at `now`: its sliding window
   * starts again. Kept in memory exactly; written (one row) only when the stored time is
   * before `now`, and then as `now` plus {@linkcode renewalSlack}. A stream without a TTL, or
   * no stream, is left alone.
   *
   * @param now The time of the use, in milliseconds since the Unix epoch.
   */
  touch(now: number): void {
    const state = this.read();
    if (state === undefined || state.ttlSeconds === null) return;
    this.#state = { ...state, lastUsed: now };
    if (now <= this.#storedLastUsed) return;
    const stored = coveredUntil(state, now);
    this.#db.exec("UPDATE edgelog_stream SET last_used = ? WHERE id = 1", stored);
    this.#storedLastUsed = stored;
  }
}

/** The `last_used` to store for a use at `lastUsed`: later by the slack for a TTL stream. */
function coveredUntil(settings: StreamSettings, lastUsed: number): number {
  return settings.ttlSeconds === null ? lastUsed : lastUsed + renewalSlack(settings.ttlSeconds);
}
