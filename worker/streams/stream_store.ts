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
 *    given), the closed flag, the last `Stream-Seq`, the last use (ms, for the TTL) and a
 *    random generation (a stream deleted and created again gets other ETags).
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

/** A stream's state, as stored. */
export interface StreamState extends StreamSettings {
  /** Whether the stream is closed: no more appends. */
  closed: boolean;
  /** The last `Stream-Seq` accepted, or `null`. */
  lastSeq: string | null;
  /** The last read or write, in milliseconds since the Unix epoch. */
  lastUsed: number;
  /** A random id of this creation of the stream. */
  generation: string;
}

/** The stream row of one log; deleting the object's storage deletes it too. */
export class StreamStore {
  readonly #db: SqlDatabase;
  /** The row as last read or written: `null` for none, `undefined` before the first read. */
  #state: StreamState | null | undefined;

  /**
   * Opens the store: creates its table when the storage is fresh.
   *
   * @param db The object's SQLite database.
   * @throws {RangeError} When the table was written by a newer release.
   */
  constructor(db: SqlDatabase) {
    this.#db = db;
    migrate(db, STREAM_PART, STREAM_LAYOUT);
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
    }
    return this.#state ?? undefined;
  }

  /**
   * Stores a stream's state in place of the previous one.
   *
   * @param state The state.
   */
  write(state: StreamState): void {
    this.#db.exec(
      `INSERT OR REPLACE INTO edgelog_stream
        (id, content_type, ttl_seconds, expires_at, closed, last_seq, last_used, generation)
        VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
      state.contentType,
      state.ttlSeconds,
      state.expiresAt,
      state.closed ? 1 : 0,
      state.lastSeq,
      state.lastUsed,
      state.generation,
    );
    this.#state = { ...state };
  }

  /** Forgets the row held in memory: the storage was deleted. */
  reset(): void {
    this.#state = undefined;
  }
}
