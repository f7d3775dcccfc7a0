/**
 * The caller's side of the LogObject's RPC methods: {@linkcode logRpc} wraps the stub of a
 * log so that its calls reject with the core's error classes (`FutureOffsetError`,
 * `ConflictError`, `ProducerSeqGapError`, ...), which Workers RPC cannot carry by itself.
 *
 * @module
 */
import type { Bounds, LogRecord } from "../mod.ts";
import type { LogConfig } from "../src/protocol/config.ts";
import type { MetricsSnapshot } from "../src/protocol/metrics.ts";
import {
  type RpcAppended,
  type RpcAppendOptions,
  type RpcReadOptions,
  type RpcResult,
  rpcValue,
} from "../src/protocol/rpc.ts";
import type { LogObject } from "./object/log_object.ts";

/** One log over RPC, with the core's error classes: see {@linkcode logRpc}. */
export interface LogRpc {
  /** The log's name. */
  readonly name: string;
  /**
   * Appends one record: 1 byte to the log's `maxRecordSize`.
   *
   * @param data The record's bytes.
   * @param options The expected offset, and the producer that writes it.
   * @returns Its offset, the count (1), and whether a producer's retry found it stored.
   */
  append(data: Uint8Array, options?: RpcAppendOptions): Promise<RpcAppended>;
  /**
   * Appends records atomically: at most 1000 and 8 MiB, as a batch body over HTTP.
   *
   * @param records The records.
   * @param options The expected offset of the first, and the producer that writes them.
   * @returns The first offset, the count, and whether a producer's retry found them stored.
   */
  appendBatch(records: Uint8Array[], options?: RpcAppendOptions): Promise<RpcAppended>;
  /**
   * Reads one record.
   *
   * @param offset Its offset.
   * @returns The record.
   */
  read(offset: number): Promise<LogRecord>;
  /**
   * Reads consecutive records: at most `limit` (default 100, up to 1000) and about 4 MiB.
   *
   * @param offset The first one's offset.
   * @param options The most records to return.
   * @returns The records; fewer than `limit` at the end of the log.
   */
  readBatch(offset: number, options?: RpcReadOptions): Promise<LogRecord[]>;
  /**
   * The half-open bounds `[begin, end)`.
   *
   * @returns The bounds.
   */
  bounds(): Promise<Bounds>;
  /**
   * Removes the records before `before`.
   *
   * @param before The first offset to keep.
   * @returns The bounds after.
   */
  truncate(before: number): Promise<Bounds>;
  /**
   * The log's configuration.
   *
   * @returns The configuration.
   */
  config(): Promise<LogConfig>;
  /**
   * Changes the log's configuration: the fields given change, the others stay.
   *
   * @param changes The fields to set.
   * @returns The configuration after.
   */
  configure(changes: Partial<LogConfig>): Promise<LogConfig>;
  /**
   * The log's Durable Object's own metrics: rows read and written, requests, pending timers,
   * the alarm (PROTOCOL.md, Metrics).
   *
   * @returns The metrics of the instance serving the log.
   */
  metrics(): Promise<MetricsSnapshot>;
}

/**
 * A log of a LogObject namespace, called over Durable Object RPC from the same account: no
 * HTTP, no token (the binding is the authority), the same limits and rules as the HTTP API,
 * and the core's error classes on rejections. The stub's own methods
 * (`namespace.getByName(name).append(...)`) answer `{ value }` or `{ error }` instead of
 * throwing (a Durable Object logs every exception its RPC methods throw): this wraps them.
 *
 * @param namespace The LogObject binding (`env.LOGS`).
 * @param name The log's name.
 * @returns The log.
 *
 * @example
 * ```ts ignore
 * import { FutureOffsetError } from "@edgelog/edgelog";
 * import { logRpc } from "@edgelog/edgelog/worker";
 *
 * const log = logRpc(env.LOGS, "acme/orders");
 * const { offset } = await log.append(new TextEncoder().encode("hello"));
 * const record = await log.read(offset);
 * await log.read(offset + 1).catch((e) => e instanceof FutureOffsetError); // true
 * ```
 */
export function logRpc(namespace: DurableObjectNamespace<LogObject>, name: string): LogRpc {
  const stub = namespace.getByName(name);
  return {
    name,
    append: (data, options) => typed(stub.append(data, options)),
    appendBatch: (records, options) => typed(stub.appendBatch(records, options)),
    read: (offset) => typed(stub.read(offset)),
    readBatch: (offset, options) => typed(stub.readBatch(offset, options)),
    bounds: () => typed(stub.bounds()),
    truncate: (before) => typed(stub.truncate(before)),
    config: () => typed(stub.config()),
    configure: (changes) => typed(stub.configure(changes)),
    metrics: () => typed(stub.metrics()),
  };
}

/** The call's value, or its error thrown as the core's class. */
async function typed<T>(call: Promise<RpcResult<T>>): Promise<T> {
  return rpcValue(await call);
}
