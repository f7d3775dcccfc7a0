/**
 * The LogObject's own metrics: what Cloudflare bills a Durable Object for, counted by the
 * object as it runs (PROTOCOL.md, "Metrics"). Counted in memory, per instance: nothing is
 * written for them, no timer reports them.
 *
 * @module
 */
import type { RequestCounts } from "../../src/protocol/metrics.ts";
import type { AckStore } from "./producer_acks.ts";

/** Runs a callback on a later turn of the event loop (`setTimeout(fn, 0)`), counted. */
export type Later = (fn: () => void) => void;

/**
 * The running counts of one LogObject instance. The SQL adapter adds each statement's
 * rows; the object counts its requests; the object's parts schedule their timers through
 * {@linkcode ObjectMetrics.later}, so that a pending timer can be seen.
 *
 * @example
 * ```ts
 * import { ObjectMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * const metrics = new ObjectMetrics();
 * const ran = new Promise<void>((resolve) => metrics.later(resolve));
 * assert.equal(metrics.pendingTimers, 1);
 * await ran;
 * assert.equal(metrics.pendingTimers, 0);
 * ```
 */
export class ObjectMetrics {
  /** Rows read, summed over the statements' cursors. */
  rowsRead = 0;
  /** Rows written, summed over the statements' cursors. */
  rowsWritten = 0;
  /** Requests served, by kind. */
  readonly requests: RequestCounts = { http: 0, rpc: 0, webSocketMessages: 0 };
  /** Writes (`put`, `delete`) to the object's key-value storage. */
  kvWrites = 0;
  /** Reads of the object's key-value storage: each `get`, and each entry a `list` gives. */
  kvReads = 0;
  #pending = 0;

  /** Timers scheduled through {@linkcode ObjectMetrics.later} that have not run yet. */
  get pendingTimers(): number {
    return this.#pending;
  }

  /**
   * `setTimeout(fn, 0)`, counted in {@linkcode ObjectMetrics.pendingTimers} until it runs.
   *
   * @param fn The callback.
   */
  readonly later: Later = (fn) => {
    this.#pending++;
    setTimeout(() => {
      this.#pending--;
      fn();
    }, 0);
  };
}

/**
 * The object's key-value storage (`ctx.storage.kv`, which the append sessions' producer
 * answers use) with its calls counted in `metrics`: Cloudflare bills them as rows of a hidden
 * SQLite table, whose cursors the object cannot see.
 *
 * @param kv The object's `ctx.storage.kv`.
 * @param metrics Where the calls are counted.
 * @returns The same storage, counted.
 *
 * @example
 * ```ts
 * import { countedKv, ObjectMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * const map = new Map<string, unknown>();
 * const kv = {
 *   get: <T>(key: string) => map.get(key) as T | undefined,
 *   put: <T>(key: string, value: T) => void map.set(key, value),
 *   delete: (key: string) => map.delete(key),
 *   list: <T>() => map.entries() as Iterable<[string, T]>,
 * };
 * const metrics = new ObjectMetrics();
 * const counted = countedKv(kv, metrics);
 * counted.put("a", 1);
 * counted.get("a");
 * assert.deepEqual([...counted.list()], [["a", 1]]);
 * assert.equal(metrics.kvWrites, 1);
 * assert.equal(metrics.kvReads, 2);
 * ```
 */
export function countedKv(kv: AckStore, metrics: ObjectMetrics): AckStore {
  return {
    get<T = unknown>(key: string): T | undefined {
      metrics.kvReads++;
      return kv.get<T>(key);
    },
    put<T>(key: string, value: T): void {
      metrics.kvWrites++;
      kv.put(key, value);
    },
    delete(key: string): boolean {
      metrics.kvWrites++;
      return kv.delete(key);
    },
    *list<T = unknown>(
      options?: { startAfter?: string; prefix?: string; limit?: number },
    ): Iterable<[string, T]> {
      for (const entry of kv.list<T>(options)) {
        metrics.kvReads++;
        yield entry;
      }
    },
  };
}

/**
 * The structured log line an instance writes once when it starts: one JSON object with
 * `"edgelog": "start"`, which log tools (`wrangler tail`, Workers Logs) can count.
 *
 * @param instance The instance's id.
 * @param started Its start time (ms since the epoch).
 * @returns The line.
 *
 * @example
 * ```ts
 * import { startLine } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(JSON.parse(startLine("abc", 0)), { edgelog: "start", instance: "abc", started: 0 });
 * ```
 */
export function startLine(instance: string, started: number): string {
  return JSON.stringify({ edgelog: "start", instance, started });
}
