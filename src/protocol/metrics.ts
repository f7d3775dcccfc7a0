/**
 * The LogObject's metrics as `GET /logs/{name}/metrics` and the RPC method `metrics()`
 * answer them (PROTOCOL.md, "Metrics"): what Cloudflare bills a Durable Object for, counted
 * by the object itself, per instance.
 *
 * @example
 * ```ts
 * import type { MetricsSnapshot } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * const body = '{"rowsWritten":3}';
 * const metrics = JSON.parse(body) as Pick<MetricsSnapshot, "rowsWritten">;
 * assert.equal(metrics.rowsWritten, 3);
 * ```
 *
 * @module
 */

/** The requests an instance served, by kind: what Cloudflare counts as billed requests. */
export interface RequestCounts {
  /** HTTP requests to the object, WebSocket upgrades included. */
  http: number;
  /** RPC calls (each method call on a stub is its own billed request). */
  rpc: number;
  /** WebSocket messages received (Cloudflare bills 20 of them as one request). */
  webSocketMessages: number;
}

/**
 * A snapshot of one instance's metrics, as `GET /logs/{name}/metrics` and the RPC method
 * `metrics()` answer them. Counts are since the instance started: a new `instance` (after
 * an eviction or a reset) starts from zero.
 */
export interface MetricsSnapshot {
  /** The instance's random id (the `Edgelog-Instance` header): a new one per start. */
  instance: string;
  /** When the instance started, in milliseconds since the Unix epoch. */
  started: number;
  /** SQLite rows read by the log's statements (the sum of each cursor's `rowsRead`). */
  rowsRead: number;
  /** SQLite rows written by the log's statements (the sum of each cursor's `rowsWritten`). */
  rowsWritten: number;
  /**
   * Calls of the object's key-value storage (`ctx.storage.kv`, the append sessions' producer
   * answers), which Cloudflare bills as rows of a hidden table the object cannot count:
   * reads (each `get`, each entry a `list` gives) and writes (each `put` and `delete`, at
   * least one row written each).
   */
  kvReads: number;
  /** See `kvReads`. */
  kvWrites: number;
  /** The requests served. */
  requests: RequestCounts;
  /**
   * The object's own timers scheduled and not yet run (group commit, deletion steps after a
   * truncation, tail fan-out and catch-up, a session's `HELLO`): 0 whenever it is idle.
   */
  pendingTimers: number;
  /** The alarm's time, or `null`: edgelog sets none. */
  alarm: number | null;
  /** The SQLite database's size in bytes (`ctx.storage.sql.databaseSize`). */
  databaseBytes: number;
  /** The log's half-open bounds. */
  bounds: { begin: number; end: number };
  /** WebSockets connected (tails and sessions, hibernated ones included). */
  webSockets: number;
}
