/**
 * The LogObject: one SQLite-backed Durable Object per named log. It composes the core (a
 * `Log` over the SQLite driver on `ctx.storage.sql`) and keeps the lifecycle: start-up and
 * restart after eviction, reconfiguration, deletion, and the WebSocket events. The routes
 * (`../routes/`), the group commit, the config storage and the tails are modules of their
 * own.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { Hono } from "hono";
import { type Bounds, Log, type LogRecord, SqliteStore } from "../../mod.ts";
import {
  configOf,
  type LogConfig,
  logOptionsOf,
  parseConfigBody,
} from "../../src/protocol/config.ts";
import { INSTANCE_HEADER } from "../../src/protocol/headers.ts";
import { MAX_READ_BYTES, readLimit } from "../../src/protocol/limits.ts";
import type { MetricsSnapshot } from "../../src/protocol/metrics.ts";
import {
  checkRpcBatch,
  type RpcAppended,
  type RpcAppendOptions,
  rpcFailure,
  type RpcReadOptions,
  type RpcResult,
} from "../../src/protocol/rpc.ts";
import { TAIL_PING, TAIL_PONG } from "../../src/protocol/tail.ts";
import { type DeploymentVars, type Env, parseDeploymentVars } from "../env.ts";
import { discardBody, errorResponse } from "../http.ts";
import { buildApp, isSingleAppend } from "../routes/app.ts";
import { appendRecordOf } from "../routes/records.ts";
import type { HostEnv, LogHost } from "../routes/host.ts";
import { Tails } from "../tails/tails.ts";
import { ConfigStore } from "./config_store.ts";
import { StreamStore } from "../streams/stream_store.ts";
import {
  CLOSE_STREAM_CLOSED,
  CLOSE_STREAM_CLOSED_REASON,
  STREAM_WAIT_TAG,
} from "../../src/protocol/streams/live.ts";
import { GroupCommit } from "./group_commit.ts";
import { ObjectJournal } from "./object_journal.ts";
import { countedKv, ObjectMetrics, startLine } from "./metrics.ts";
import { Sessions } from "./session_socket.ts";
import { durableObjectSql } from "./sql_adapter.ts";

/**
 * A Durable Object holding one append-only log. Every request of PROTOCOL.md below
 * `/logs/{name}` arrives here unchanged; the route is the path after the name.
 */
export class LogObject extends DurableObject<Env> {
  /** The routes, built once; each request gets `#host` as its bindings. */
  readonly #app: Hono<HostEnv> = buildApp();
  readonly #host: LogHost;
  #log: Log | undefined;
  /** The journal under `#log`, opened and closed by this object: the Log never reaches it. */
  #journal: ObjectJournal | undefined;
  #configStore: ConfigStore | undefined;
  #streamStore: StreamStore | undefined;
  #startupError: unknown;
  /** This instance's counts: rows, requests, pending timers (PROTOCOL.md, Metrics). */
  readonly #metrics = new ObjectMetrics();
  /** The live tails; each commit is sent to them from `#afterCommit`. */
  readonly #tails = new Tails(this.ctx, () => this.#current, this.#metrics.later);
  readonly #commits = new GroupCommit(() => this.#afterCommit(), this.#metrics.later);
  /** The append sessions: hibernating sockets that pipeline appends. */
  readonly #sessions = new Sessions(
    this.ctx,
    {
      log: () => this.#current,
      appending: () => this.#commits.appending(),
    },
    this.#metrics.later,
    countedKv(this.ctx.storage.kv, this.#metrics),
  );
  /** A random id of this instance: a new one after eviction (the `Edgelog-Instance` header). */
  readonly #instance = crypto.randomUUID();
  /** When this instance started (ms since the epoch). */
  readonly #started = Date.now();
  /** The headers this object adds to every answer but a 101 (see `fetch`). */
  readonly #stamp: Readonly<Record<string, string>> = Object.freeze({
    [INSTANCE_HEADER]: this.#instance,
    // Set here, not at the Worker: the Worker hands the object's response on unchanged.
    "x-content-type-options": "nosniff",
  });
  /** The checked vars; undefined only when they failed to parse (`#startupError`). */
  #vars: DeploymentVars | undefined;

  /**
   * Sets up the log under `blockConcurrencyWhile`.
   *
   * @param ctx The object's state.
   * @param env The bindings and vars.
   */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // One structured line per instance start: starts are counted from the logs, at no cost.
    console.log(startLine(this.#instance, this.#started));
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(TAIL_PING, TAIL_PONG));
    // A throw inside blockConcurrencyWhile resets the object; keep the error and report
    // it on each request instead (as partyserver does).
    void ctx.blockConcurrencyWhile(async () => {
      try {
        this.#vars = parseDeploymentVars(env);
        this.#open();
        // After an eviction, the hibernated tails are still connected: pick them up.
        this.#tails.restore(this.#current.boundsSync().end);
      } catch (error) {
        // Not the caller's fault (a RangeError here would be answered 400): every request
        // gets a 500, and the log says why.
        this.#startupError = new Error(
          `The log could not start: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    });
    // The routes' view of this object. Not methods of the class: those would be callable
    // over RPC by anything holding a stub.
    this.#host = {
      log: () => this.#current,
      appending: () => this.#commits.appending(),
      config: () => configOf(this.#current),
      configure: (next) => this.#configure(next),
      tails: this.#tails,
      sessions: this.#sessions,
      maxTails: () => this.#checkedVars.maxTails,
      stream: {
        store: () => {
          this.#current;
          return this.#streamStore!;
        },
        wakeWaiters: () => this.#wakeStreamWaiters(),
      },
      delete: () => this.#delete(),
      metrics: () => this.#snapshot(),
    };
  }

  /** Serves one HTTP request of the API. */
  override async fetch(request: Request): Promise<Response> {
    this.#metrics.requests.http++;
    // The hottest route (`POST /records`) is called directly, its answer built with the
    // headers every answer carries; every other request goes through the app.
    if (isSingleAppend(request)) return await this.#appendRecord(request);
    // Done here rather than in a Hono middleware: with one handler per route, Hono calls
    // it directly, without composing a middleware chain for every append.
    const response = await this.#app.fetch(request, this.#host);
    // Unread request bodies are read and dropped before the answer: the Worker's runtime
    // resets the client's connection otherwise (discardBody).
    if (!request.bodyUsed) await discardBody(request);
    // A 101 response's headers are immutable.
    if (response.status !== 101) {
      for (const [name, value] of Object.entries(this.#stamp)) response.headers.set(name, value);
    }
    return response;
  }

  /** `POST /records` without the app: the same handler, errors and headers as through it. */
  async #appendRecord(request: Request): Promise<Response> {
    let response: Response;
    try {
      response = await appendRecordOf(request, this.#host, this.#stamp);
    } catch (error) {
      // As the app's onError answers it.
      response = errorResponse(error, () => this.#current.boundsSync().end);
      response.headers.set(INSTANCE_HEADER, this.#instance);
    }
    if (!request.bodyUsed) await discardBody(request);
    return response;
  }

  // RPC: `env.LOGS.getByName(name).append(bytes)`. The same Log, limits and rules as the
  // HTTP routes. Each method answers `{ value }` or `{ error }` (src/protocol/rpc.ts): a
  // thrown error would be reported as the object's uncaught exception. `logRpc` on the
  // caller's side returns the value or throws the core's error class.

  /**
   * Appends one record (RPC).
   *
   * @param data The record's bytes: 1 byte to the log's `maxRecordSize`.
   * @param options The expected offset, and the producer that writes it.
   * @returns `{ value }` or `{ error }`: the record's offset (a producer's retry: the
   * original one, `duplicate`).
   */
  async append(
    data: Uint8Array,
    options: RpcAppendOptions = {},
  ): Promise<RpcResult<RpcAppended>> {
    return this.#answer(async () => {
      const log = this.#current;
      this.#host.appending();
      const { producer, ...rest } = options;
      if (producer === undefined) {
        return { offset: await log.write(data, rest), count: 1, duplicate: false };
      }
      return await log.write(data, { ...rest, producer });
    });
  }

  /**
   * Appends records atomically, in one commit (RPC).
   *
   * @param records The records: at most `MAX_BATCH_RECORDS`, `MAX_BATCH_BYTES` as a batch body.
   * @param options The expected offset of the first, and the producer that writes them.
   * @returns `{ value }` or `{ error }`: the first record's offset and the count.
   */
  async appendBatch(
    records: Uint8Array[],
    options: RpcAppendOptions = {},
  ): Promise<RpcResult<RpcAppended>> {
    return this.#answer(async () => {
      checkRpcBatch(records);
      const log = this.#current;
      this.#host.appending();
      const { producer, ...rest } = options;
      if (producer === undefined) {
        const offset = await log.writeBatch(records, rest);
        return { offset, count: records.length, duplicate: false };
      }
      return await log.writeBatch(records, { ...rest, producer });
    });
  }

  /**
   * Reads one record (RPC).
   *
   * @param offset The record's offset.
   * @returns `{ value }` or `{ error }`: the record.
   */
  read(offset: number): Promise<RpcResult<LogRecord>> {
    return this.#answer(async () => plainRecord(await this.#current.read(offset)));
  }

  /**
   * Reads consecutive records from `offset` (RPC), as `GET /records` does: at most `limit`
   * records and about `MAX_READ_BYTES` of record bytes; fewer at the end of the log.
   *
   * @param offset The first record's offset.
   * @param options The most records to return.
   * @returns `{ value }` or `{ error }`: the records, in order.
   */
  readBatch(offset: number, options: RpcReadOptions = {}): Promise<RpcResult<LogRecord[]>> {
    return this.#answer(async () => {
      const batch = new Array<LogRecord>(readLimit(options.limit));
      const count = await this.#current.readBatch(offset, batch, { maxBytes: MAX_READ_BYTES });
      batch.length = count;
      return batch.map(plainRecord);
    });
  }

  /**
   * The log's half-open bounds `[begin, end)` (RPC).
   *
   * @returns `{ value }` or `{ error }`: the bounds.
   */
  bounds(): Promise<RpcResult<Bounds>> {
    return this.#answer(() => this.#current.boundsSync());
  }

  /**
   * Removes the records before `before` (RPC), as `POST /truncate` does.
   *
   * @param before The first offset to keep.
   * @returns `{ value }` or `{ error }`: the bounds after.
   */
  truncate(before: number): Promise<RpcResult<Bounds>> {
    return this.#answer(async () => {
      const log = this.#current;
      await log.truncate(before);
      return log.boundsSync();
    });
  }

  /**
   * The log's configuration (RPC).
   *
   * @returns `{ value }` or `{ error }`: the configuration.
   */
  config(): Promise<RpcResult<LogConfig>> {
    return this.#answer(() => configOf(this.#current));
  }

  /**
   * Changes the log's configuration (RPC), as `PUT /config` does: the fields given change,
   * the others stay.
   *
   * @param changes The fields to set (`null` for no retention by count or by age).
   * @returns `{ value }` or `{ error }`: the configuration after.
   */
  configure(changes: Partial<LogConfig>): Promise<RpcResult<LogConfig>> {
    return this.#answer(() => {
      if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
        throw new TypeError("The config changes must be an object");
      }
      const next = parseConfigBody(
        new TextEncoder().encode(JSON.stringify(changes)),
        configOf(this.#current),
      );
      this.#configure(next);
      return next;
    });
  }

  /**
   * This instance's metrics (RPC), as `GET /metrics` answers them: rows read and written,
   * requests, pending timers, the alarm (PROTOCOL.md, Metrics).
   *
   * @returns `{ value }` or `{ error }`: the metrics.
   */
  metrics(): Promise<RpcResult<MetricsSnapshot>> {
    return this.#answer(() => this.#snapshot());
  }

  /**
   * Hands an append session's message to the sessions. Tails send nothing the object
   * needs; "ping" is answered by the auto-response.
   */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    this.#metrics.requests.webSocketMessages++;
    if (this.#sessions.has(ws)) this.#sessions.message(ws, message);
  }

  /** Answers the close handshake. */
  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.#tails.forget(ws);
    this.#sessions.forget(ws);
    // 1005/1006 (no code, abnormal) cannot be sent back: answer them with 1000.
    const reply = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
    try {
      ws.close(reply, reason);
    } catch {
      // Already closed: the handshake is complete.
    }
  }

  /** Drops a failed socket. */
  override webSocketError(ws: WebSocket, _error: unknown): void {
    this.#tails.forget(ws);
    this.#sessions.forget(ws);
    try {
      ws.close(1011, "WebSocket error");
    } catch {
      // Already closed.
    }
  }

  /** An RPC call's answer (see `answer`), counted as a request. */
  #answer<T>(work: () => T | Promise<T>): Promise<RpcResult<T>> {
    this.#metrics.requests.rpc++;
    return answer(work);
  }

  /** The metrics now; the log's bounds only when it is open. */
  async #snapshot(): Promise<MetricsSnapshot> {
    const metrics = this.#metrics;
    return {
      instance: this.#instance,
      started: this.#started,
      rowsRead: metrics.rowsRead,
      rowsWritten: metrics.rowsWritten,
      kvReads: metrics.kvReads,
      kvWrites: metrics.kvWrites,
      requests: { ...metrics.requests },
      pendingTimers: metrics.pendingTimers,
      alarm: await this.ctx.storage.getAlarm(),
      databaseBytes: this.ctx.storage.sql.databaseSize,
      bounds: this.#current.boundsSync(),
      webSockets: this.ctx.getWebSockets().length,
    };
  }

  /** Opens the store, the journal, the configuration and the Log: all synchronous. */
  #open(): void {
    const db = durableObjectSql(this.ctx.storage, this.#metrics);
    // The store creates the catalog; the journal is opened over it directly, as the
    // variant that keeps its bounds in memory.
    new SqliteStore(db);
    this.#journal = new ObjectJournal(db, "log", {}, this.#metrics.later);
    this.#configStore = new ConfigStore(db);
    this.#streamStore = new StreamStore(db);
    const config = this.#configStore.read() ?? this.#checkedVars.defaults;
    this.#log = this.#newLog(this.#journal, config);
  }

  #newLog(journal: ObjectJournal, config: LogConfig): Log {
    return new Log({ journal, ...logOptionsOf(config), scheduleCommit: this.#commits.schedule });
  }

  get #current(): Log {
    if (this.#log === undefined) throw this.#startupError ?? new Error("Log not open");
    return this.#log;
  }

  get #checkedVars(): DeploymentVars {
    if (this.#vars === undefined) throw this.#startupError ?? new Error("Vars not read");
    return this.#vars;
  }

  /** Stores a new configuration and puts a Log with it in place of the current one. */
  #configure(next: LogConfig): void {
    const log = this.#current;
    this.#configStore!.write(next);
    // Appends gathered by the old Log commit before the new one reads the end: no race.
    // Tails hear of that commit at once, as of every other (../tails/tails.ts relies on it).
    log.flush();
    this.#afterCommit();
    this.#log = this.#newLog(this.#journal!, next);
  }

  /** Deletes the log and all its storage, and opens a fresh one. */
  async #delete(): Promise<void> {
    // Appends gathered for the next commit land before the delete, and the old journal
    // is closed: its commit timer still runs later, and its bounds (kept in memory) would
    // otherwise let it write into the new log's tables.
    const log = this.#current;
    log.flush();
    void this.#journal!.close();
    this.#tails.closeAll();
    this.#sessions.closeAll();
    // No other event may see the storage half deleted or the old Log over it.
    await this.ctx.blockConcurrencyWhile(async () => {
      this.#log = undefined;
      this.#journal = undefined;
      await this.ctx.storage.deleteAll();
      this.#open();
    });
  }

  /** Closes the Worker's sockets waiting on the stream: it was closed (`/v1/stream/`). */
  #wakeStreamWaiters(): void {
    for (const ws of this.ctx.getWebSockets(STREAM_WAIT_TAG)) {
      this.#tails.forget(ws);
      try {
        ws.close(CLOSE_STREAM_CLOSED, CLOSE_STREAM_CLOSED_REASON);
      } catch {
        // Already closed.
      }
    }
  }

  /** Sends what a commit added to the tails; never throws into the timer of the commit. */
  #afterCommit(): void {
    try {
      this.#tails.afterCommit();
    } catch (error) {
      console.error(error);
    }
  }
}

/**
 * The RPC answer of `work`: its value, or the error it met as `{ error }` (a fault that is
 * neither a core error nor an argument error is thrown on). A function, not a method: every
 * method of the class can be called over RPC.
 */
/**
 * A record as a plain object: the Log's records build `created` and copy `data` when first
 * asked for, through accessors that RPC's structured clone does not serialize.
 */
function plainRecord({ offset, created, data }: LogRecord): LogRecord {
  return { offset, created, data };
}

async function answer<T>(work: () => T | Promise<T>): Promise<RpcResult<T>> {
  try {
    return { value: await work() };
  } catch (error) {
    return rpcFailure(error);
  }
}
