/**
 * The client of one named log on an edgelog server: the HTTP API and the WebSocket tail of
 * PROTOCOL.md, with the core's error classes.
 *
 * @module
 */
import {
  FutureOffsetError,
  LogError,
  OutOfRangeError,
  ProducerSeqGapError,
} from "../core/errors.ts";
import type { Bounds, CallOptions } from "../core/journal.ts";
import type { LogRecord, OffsetRange } from "../core/log.ts";
import { type Appended, assertProducer, type Producer } from "../core/producer.ts";
import {
  assertBytes,
  assertInteger,
  assertPosition,
  checkSignal,
  describe,
} from "../core/validate.ts";
import { assertBatchRecords } from "./batch_records.ts";
import { type ErrorContext, errorFromResponse, unexpected } from "./error_body.ts";
import { HttpError } from "./http_error.ts";
import { defaultWebSocket } from "./fallback_web_socket.ts";
import { type ProducerOptions, ProducerSession } from "./producer_session.ts";
import {
  isTransient,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  withRetries,
} from "./retry.ts";
import type { LogConfig } from "../protocol/config.ts";
import {
  BATCH_CONTENT_TYPE,
  BYTES_CONTENT_TYPE,
  CREATED_HEADER,
  JSON_CONTENT_TYPE,
} from "../protocol/headers.ts";
import { MAX_READ_LIMIT } from "../protocol/limits.ts";
import { assertLogName } from "../protocol/log_name.ts";
import { isDuplicateAnswer, producerHeaders } from "../protocol/producer.ts";
import { LOGS_PREFIX, type QueryParam } from "../protocol/routes.ts";
import { tailSubprotocols } from "../protocol/tail.ts";
import { LogWriter, type WriterOptions, type WriterSource } from "./writer.ts";
import { decodeRecordLines, encodeBatch } from "../protocol/wire.ts";
import {
  LogTail,
  sinceParam,
  type TailOptions,
  type TailSource,
  type TailStart,
  type WebSocketConstructor,
} from "./tail.ts";

/**
 * The token a client sends: a string, or a function that returns one (or a Promise of
 * one), called before every request and every connection, so that it can be refreshed.
 */
export type TokenSource = string | (() => string | Promise<string>);

/** A `fetch` that takes a `Request`: the global `fetch`, or a Worker's service binding. */
export type FetchFunction = (request: Request) => Promise<Response>;

/** Options of {@linkcode LogClient}. */
export interface LogClientOptions {
  /**
   * The token: sent as `Authorization: Bearer <token>` with every request and as the
   * WebSocket subprotocol `edgelog.bearer.<token>` beside `edgelog` for the tail. Without
   * it, the client sends neither.
   */
  token?: TokenSource;
  /** How requests are sent. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /**
   * The WebSocket constructor of the tail. Default: the global `WebSocket`; where there is
   * none (Node 20), the `ws` package's when the client was imported from the npm package
   * `@edgelog/edgelog`, which depends on `ws`. Pass the `WebSocket` class of `ws` in Node 20
   * when the client comes from JSR.
   */
  WebSocket?: WebSocketConstructor;
  /**
   * The producer the client names its appends with, so that a retried append is stored once
   * (PROTOCOL.md, Exactly once). Default: a random id, new for every client, from epoch 0.
   * `false`: appends name no producer, and are then sent once, never retried (a retry
   * could store a record twice).
   */
  producer?: ProducerOptions | false;
  /**
   * How appends that name a producer are retried after a dropped connection, a timeout or
   * a 5xx. Default: {@linkcode DEFAULT_RETRY} (up to 20 attempts within 30 s, 100 ms to 2 s
   * apart, 10 s per attempt). `false`: one attempt, without a timeout.
   */
  retry?: RetryOptions | false;
}

/** Options of {@linkcode LogClient.append} and {@linkcode LogClient.appendBatch}. */
export interface AppendOptions extends CallOptions {
  /**
   * The offset the (first) record must get (optimistic concurrency): a lower offset is
   * taken, `ConflictError`; a higher one is a `RangeError`.
   */
  expectedOffset?: number;
}

/**
 * Options of an append that names its own producer, instead of the client's: the append
 * resolves an `Appended` (`{ offset, count, duplicate }`), as the core's `Log.write` does.
 */
export interface ProducerAppendOptions extends AppendOptions {
  /**
   * Who writes, and which of its writes this is. The caller numbers the writes: the client
   * sends this seq (and retries it) as it is, and keeps no state of it.
   */
  producer: Producer;
}

/** Changes to a log's configuration: the fields to set. */
export interface LogConfigChanges {
  /** Records per segment, or `null` (or `Infinity`) to keep every record. */
  maxSegmentSize?: number | null;
  /** The largest record the log accepts, in bytes (the server allows 1 to 1,999,000). */
  maxRecordSize?: number;
  /**
   * Retention by age in milliseconds, or `null` (or `Infinity`) to keep records whatever
   * their age.
   */
  maxAge?: number | null;
}

interface SendInit {
  query?: { readonly [P in QueryParam]?: number };
  body?: Uint8Array | string;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  context?: ErrorContext;
}

/** An append's request, sent as often as its retries take. */
interface AppendRequest {
  route: "/records" | "/batch";
  body: Uint8Array;
  contentType: string;
  expected: number | undefined;
  context: ErrorContext;
}

/**
 * A client of one named log on an edgelog server. Its methods are those of the core's
 * `Log` and `Journal` over HTTP, with their errors: a 409 rejects `ConflictError`, a read
 * past the end `FutureOffsetError`, a purged offset `OutOfRangeError`, a record over the
 * log's maximum `RecordTooLargeError`; what is not the log's own condition (a refused
 * token, an unreachable server, ...) rejects {@linkcode HttpError}. Every method takes
 * `{ signal }`: an aborted signal rejects with its reason, and arguments are checked before
 * anything is sent (`TypeError`, `RangeError`). The client holds no connection between
 * calls; it works wherever `fetch` does, and its tail wherever `WebSocket` does.
 *
 * **Exactly once.** Every append names the client's producer (PROTOCOL.md, Exactly once: a
 * random id unless `producer.id` is given, an epoch, and a seq the client counts) and is
 * retried after a dropped connection, a timeout or a 5xx, with backoff, within bounded
 * attempts and time (`retry`); every retry carries the same seq, and the server answers the
 * retry of an append it had stored with the original offsets, writing nothing. So an append
 * that resolves was written exactly once. The client sends its appends one at a time, in
 * the order of the calls (concurrent calls wait for their turn), so that the seqs arrive in
 * order; for throughput, append batches.
 *
 * What a failed append means:
 * - A refusal (`ConflictError`, `RecordTooLargeError`, a `RangeError`, an `HttpError` with a
 *   4xx status, ...): nothing was written, and the next append takes the same seq.
 * - No answer after the retries (`HttpError` `NETWORK`, or a 5xx, whose message says it gave
 *   up), or a signal aborted once the append was sent: it may or may not have been written.
 *   The client then starts a new epoch, so that a late copy of that append is refused
 *   (`STALE_EPOCH`) and never taken for a later one.
 * - `ProducerSeqGapError` with `expectedSeq` 0 to a client that has written: the server no
 *   longer knows the producer (unused for 7 days, pushed out by 10,000 newer ones, or the
 *   log was deleted). The client does not fail: it starts a new epoch and sends the append
 *   again, once.
 * - Any other `ProducerSeqGapError`, and `StaleEpochError`: another writer uses this
 *   producer's id. The caller gets the error; the client's producer stays as it was.
 *
 * `producer: false` turns all this off: appends are sent once, as plain appends.
 *
 * @example Appending and reading (needs a server: `npm start`)
 * ```ts ignore
 * import { LogClient } from "@edgelog/edgelog/client";
 *
 * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
 * const offset = await log.append(new TextEncoder().encode("hello"));
 * const record = await log.read(offset);
 * console.log(record.offset, record.created, new TextDecoder().decode(record.data));
 * ```
 *
 * @example The core's errors come back as the core's classes
 * ```ts
 * import { ConflictError } from "@edgelog/edgelog";
 * import { LogClient } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * // A stand-in for a server whose log already holds offset 0, so that this example runs
 * // anywhere; a real client leaves `fetch` out.
 * const fetch = async () =>
 *   Response.json(
 *     { error: { code: "CONFLICT", message: "Taken", position: 0, end: 1 } },
 *     { status: 409 },
 *   );
 * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", { fetch });
 * const error = await log.append(new Uint8Array([1]), { expectedOffset: 0 }).catch((e) => e);
 * assert(error instanceof ConflictError);
 * assert.equal(error.position, 0);
 * ```
 */
export class LogClient {
  /** The log's name. */
  readonly name: string;
  /** The log's base URL: `{server}/logs/{name}`. */
  readonly url: URL;
  readonly #fetch: FetchFunction;
  readonly #token: TokenSource | undefined;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #producer: ProducerSession | undefined;
  readonly #retry: RetryPolicy | undefined;

  /**
   * Creates a client of the log `name` on the server at `url`. Nothing is sent until a
   * method is called.
   *
   * @param url The server, e.g. `http://127.0.0.1:8787` (a path prefix is kept).
   * @param name The log's name, e.g. `acme/orders` (PROTOCOL.md, Log names).
   * @param options The token, the `fetch` and `WebSocket` to use, the producer and the
   * retries of appends.
   * @throws {TypeError} When `url` is not an http or https URL, or an option has the wrong
   * type.
   * @throws {RangeError} When `name` breaks the rules of log names, or the producer's id or
   * epoch, or a retry option, is out of its range.
   *
   * @example
   * ```ts
   * import { LogClient } from "@edgelog/edgelog/client";
   * import assert from "node:assert/strict";
   *
   * const log = new LogClient("https://logs.example.com/edgelog/", "acme/orders", {
   *   token: () => "a JWT, fetched afresh for every request",
   * });
   * assert.equal(log.url.href, "https://logs.example.com/edgelog/logs/acme/orders");
   * assert.throws(() => new LogClient("https://logs.example.com", "acme//orders"), RangeError);
   * ```
   */
  constructor(url: string | URL, name: string, options: LogClientOptions = {}) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new TypeError(`Expected an http or https URL, got ${describe(url)}`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`Expected an http or https URL, got "${base.href}"`);
    }
    assertLogName(name);
    const { token, fetch: fetchOption, WebSocket, producer, retry } = options;
    if (token !== undefined && typeof token !== "string" && typeof token !== "function") {
      throw new TypeError(`Expected token to be a string or a function, got ${describe(token)}`);
    }
    if (fetchOption !== undefined && typeof fetchOption !== "function") {
      throw new TypeError(`Expected fetch to be a function, got ${describe(fetchOption)}`);
    }
    if (WebSocket !== undefined && typeof WebSocket !== "function") {
      throw new TypeError(`Expected WebSocket to be a constructor, got ${describe(WebSocket)}`);
    }
    this.name = name;
    this.url = new URL(`${base.pathname.replace(/\/+$/, "")}${LOGS_PREFIX}${name}`, base.origin);
    this.#fetch = fetchOption ?? ((request) => fetch(request));
    this.#token = token;
    this.#WebSocket = WebSocket;
    this.#producer = producer === false ? undefined : new ProducerSession(producer);
    this.#retry = retryPolicy(retry);
  }

  /**
   * The producer of the client's next append: its id, its epoch and the seq it will carry;
   * `undefined` with `producer: false`. The epoch grows when the client starts a new one
   * (see the class). A client that takes over the id of one that stopped must start above
   * that one's last epoch: `{ id, epoch: old.producer.epoch + 1 }`.
   *
   * @example
   * ```ts
   * import { LogClient } from "@edgelog/edgelog/client";
   * import assert from "node:assert/strict";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", {
   *   producer: { id: "importer", epoch: 3 },
   * });
   * assert.deepEqual(log.producer, { id: "importer", epoch: 3, seq: 0 });
   * const plain = new LogClient("http://127.0.0.1:8787", "acme/demo", { producer: false });
   * assert.equal(plain.producer, undefined);
   * ```
   */
  get producer(): Producer | undefined {
    return this.#producer?.next;
  }

  /**
   * Appends one record as a write of the caller's `producer`, retried as the class says,
   * and resolves where it is and whether it had been stored before, as the core's
   * `Log.write` with a producer does. The caller numbers the writes; the client keeps no
   * state of this producer.
   *
   * @param data The record.
   * @param opts Call options, the `producer`, and an optional `expectedOffset`.
   * @returns The offset and count (1), and `duplicate: true` when the server had stored this
   * write before (in an earlier call, or in an earlier try of this one whose answer was lost)
   * and wrote nothing now; offset -1 and count 0 for a write older than the producer's last
   * one (the log keeps the offsets of the last only).
   * @throws {ProducerSeqGapError} When the seq skips ahead of the producer's next one.
   * @throws {StaleEpochError} When a newer epoch of the producer took over.
   *
   * @example
   * ```ts
   * import { LogClient, producerAnswerHeaders } from "@edgelog/edgelog/client";
   * import assert from "node:assert/strict";
   *
   * const producer = { id: "importer", epoch: 0, seq: 5 };
   * // A stand-in server that had stored this write already.
   * const fetch = async () =>
   *   Response.json({ offset: 12 }, { headers: producerAnswerHeaders(producer, true) });
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", { fetch });
   * assert.deepEqual(await log.append(new Uint8Array([1]), { producer }), {
   *   offset: 12,
   *   count: 1,
   *   duplicate: true,
   * });
   * ```
   */
  append(data: Uint8Array, opts: ProducerAppendOptions): Promise<Appended>;
  /**
   * Appends one record and resolves its offset, once the server has committed it: exactly
   * once, through retries (see the class). With `producer` in the options the append names
   * that producer instead of the client's, and resolves an `Appended` (the other overload).
   *
   * @param data The record: 1 byte up to the log's `maxRecordSize`. It is copied at once.
   * @param opts Call options, and an optional `expectedOffset`.
   * @returns The record's offset.
   * @throws {ConflictError} When `expectedOffset` is taken; `position` is that offset. (The
   * retry of an append at an expected offset that had been stored resolves its offset.)
   * @throws {RangeError} When `data` is empty, or `expectedOffset` is past the end.
   * @throws {RecordTooLargeError} When `data` is over the log's `maxRecordSize`.
   * @throws {ProducerSeqGapError} When another writer uses the client's producer id.
   * @throws {StaleEpochError} When a newer writer took over the client's producer id.
   * @throws {HttpError} When the server refuses the request, or cannot be reached within
   * the retries (the append may then have been written).
   *
   * @example
   * ```ts ignore
   * import { ConflictError } from "@edgelog/edgelog";
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/orders");
   * const { end } = await log.bounds();
   * try {
   *   await log.append(new TextEncoder().encode("order 17"), { expectedOffset: end });
   * } catch (error) {
   *   if (!(error instanceof ConflictError)) throw error;
   *   // Someone appended first: read what they wrote, then decide.
   * }
   * ```
   *
   * @example A lost answer is retried, and the retry is stored once
   * ```ts
   * import {
   *   LogClient,
   *   producerAnswerHeaders,
   *   readProducerHeaders,
   * } from "@edgelog/edgelog/client";
   * import assert from "node:assert/strict";
   *
   * // A stand-in server that stores the first try but loses its answer, so that this example
   * // runs anywhere; a real client leaves `fetch` out.
   * const seqs: number[] = [];
   * const fetch = async (request: Request) => {
   *   const producer = readProducerHeaders(request.headers)!;
   *   seqs.push(producer.seq);
   *   if (seqs.length === 1) throw new TypeError("Connection reset");
   *   return Response.json({ offset: 0 }, { headers: producerAnswerHeaders(producer, true) });
   * };
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", { fetch });
   * assert.equal(await log.append(new Uint8Array([1])), 0);
   * assert.deepEqual(seqs, [0, 0]); // the retry carried the same seq
   * ```
   */
  append(data: Uint8Array, opts?: AppendOptions): Promise<number>;
  async append(
    data: Uint8Array,
    opts?: AppendOptions | ProducerAppendOptions,
  ): Promise<number | Appended> {
    checkSignal(opts?.signal);
    assertBytes("data", data);
    if (data.byteLength === 0) throw new RangeError("Expected data not to be empty");
    const expected = expectedOffsetOf(opts);
    const producer = producerOf(opts);
    const body = data.slice();
    const request: AppendRequest = {
      route: "/records",
      body,
      contentType: BYTES_CONTENT_TYPE,
      expected,
      context: { size: body.byteLength, expected, badRequestIsRange: expected !== undefined },
    };
    if (producer !== undefined) return await this.#post(request, producer, opts?.signal);
    return (await this.#appendOwn(request, opts?.signal)).offset;
  }

  /**
   * Appends a batch as one write of the caller's `producer` (see the `append` overload with
   * a producer) and resolves where it is and whether it had been stored before.
   *
   * @param records One or more records.
   * @param opts Call options, the `producer`, and an optional `expectedOffset`.
   * @returns The first offset and the count, and `duplicate: true` when the server had
   * stored this write before; offset -1 and count 0 for a write older than the producer's
   * last one.
   * @throws {ProducerSeqGapError} When the seq skips ahead of the producer's next one.
   * @throws {StaleEpochError} When a newer epoch of the producer took over.
   *
   * @example Resuming an import after a crash: batch n is seq n
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/orders");
   * const batches = [[new Uint8Array([1])], [new Uint8Array([2])]]; // the same input again
   * for (const [seq, records] of batches.entries()) {
   *   const { duplicate } = await log.appendBatch(records, {
   *     producer: { id: "import-2026-12-01", epoch: 0, seq },
   *   });
   *   console.log(seq, duplicate ? "already stored" : "appended");
   * }
   * ```
   */
  appendBatch(records: readonly Uint8Array[], opts: ProducerAppendOptions): Promise<Appended>;
  /**
   * Appends records atomically at consecutive offsets (all or none) and resolves the first
   * one's offset: exactly once, through retries (see the class); the batch is one write of
   * the producer. The server takes at most 1000 records and 8 MiB in one batch. With
   * `producer` in the options the batch names that producer instead of the client's, and
   * resolves an `Appended` (the other overload).
   *
   * @param records One or more records, each valid for {@linkcode LogClient.append}. They
   * are copied at once.
   * @param opts Call options, and an optional `expectedOffset` for the first record.
   * @returns The first record's offset; the others follow it.
   * @throws {ConflictError} When `expectedOffset` is taken.
   * @throws {RangeError} When `records` or a record is empty, or `expectedOffset` is past
   * the end.
   * @throws {RecordTooLargeError} When a record is over the log's `maxRecordSize`.
   * @throws {ProducerSeqGapError} When another writer uses the client's producer id.
   * @throws {StaleEpochError} When a newer writer took over the client's producer id.
   * @throws {HttpError} `REQUEST_TOO_LARGE` past the server's batch limits, and when the
   * server refuses the request or cannot be reached within the retries (the batch may then
   * have been written).
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/orders");
   * const bytes = (s: string) => new TextEncoder().encode(s);
   * const first = await log.appendBatch([bytes("a"), bytes("b"), bytes("c")]);
   * console.log(`offsets ${first} to ${first + 2}`);
   * ```
   */
  appendBatch(records: readonly Uint8Array[], opts?: AppendOptions): Promise<number>;
  async appendBatch(
    records: readonly Uint8Array[],
    opts?: AppendOptions | ProducerAppendOptions,
  ): Promise<number | Appended> {
    checkSignal(opts?.signal);
    assertBatchRecords(records);
    const expected = expectedOffsetOf(opts);
    const producer = producerOf(opts);
    const request: AppendRequest = {
      route: "/batch",
      body: encodeBatch(records),
      contentType: BATCH_CONTENT_TYPE,
      expected,
      context: { expected, badRequestIsRange: expected !== undefined },
    };
    if (producer !== undefined) return await this.#post(request, producer, opts?.signal);
    return (await this.#appendOwn(request, opts?.signal)).offset;
  }
  /**
   * Reads the record at `offset`.
   *
   * @param offset The offset to read.
   * @param opts Call options.
   * @returns The record: its offset, creation time and bytes.
   * @throws {FutureOffsetError} When `offset` is at or past the end of the log.
   * @throws {OutOfRangeError} When `offset` is negative or was purged.
   * @throws {RangeError} When `offset` is not an integer.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
   * const record = await log.read(0);
   * console.log(record.created.toISOString(), new TextDecoder().decode(record.data));
   * ```
   */
  async read(offset: number, opts?: CallOptions): Promise<LogRecord> {
    checkSignal(opts?.signal);
    assertInteger("offset", offset);
    if (offset < 0) throw new OutOfRangeError(offset);
    const response = await this.#send("GET", `/records/${offset}`, {
      signal: opts?.signal,
      context: { offset },
    });
    const created = Number(response.headers.get(CREATED_HEADER) ?? NaN);
    const data = await this.#bytes(response, opts?.signal);
    if (!Number.isSafeInteger(created)) {
      throw unexpected(response.status, `Expected the header ${CREATED_HEADER} with the record`);
    }
    return { offset, created: new Date(created), data };
  }

  /**
   * Fills `batch[0..count)` with consecutive records from `offset` and resolves `count`,
   * as the core's `Log.readBatch` does: a `count` below `batch.length` means the end of the
   * log was reached; slots past `count` are left untouched; an empty batch resolves 0
   * without checking `offset`. Large batches take several requests.
   *
   * @param offset The first offset to read.
   * @param batch The array to fill.
   * @param opts Call options.
   * @returns How many records were read.
   * @throws {FutureOffsetError} When `offset` is at or past the end.
   * @throws {OutOfRangeError} When `offset` is negative or was purged.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import type { LogRecord } from "@edgelog/edgelog";
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
   * const batch = new Array<LogRecord>(100);
   * const count = await log.readBatch(0, batch);
   * for (const record of batch.slice(0, count)) console.log(record.offset);
   * ```
   */
  async readBatch(offset: number, batch: LogRecord[], opts?: CallOptions): Promise<number> {
    checkSignal(opts?.signal);
    if (!Array.isArray(batch)) {
      throw new TypeError(`Expected batch to be an array, got ${describe(batch)}`);
    }
    if (batch.length === 0) return 0;
    assertInteger("offset", offset);
    if (offset < 0) throw new OutOfRangeError(offset);
    return await this.#fill({ from: offset }, batch, opts?.signal);
  }

  /**
   * Fills `batch[0..count)` with consecutive records from the first one created at or after
   * `time` (as the core's `Log.offsetAt` finds it), and resolves `count`: 0 when no record
   * was created since then, a `count` below `batch.length` when the end of the log was
   * reached. A time before the oldest record the log keeps reads from that record. The first
   * page is found and read by the server at once (`GET /records?since=`); large batches take
   * several requests.
   *
   * @param time A `Date`, or milliseconds since the Unix epoch.
   * @param batch The array to fill.
   * @param opts Call options.
   * @returns How many records were read.
   * @throws {TypeError} When `time` is neither a Date nor a number, or `batch` no array.
   * @throws {RangeError} When `time` is an invalid Date or not a finite number.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example The records of the last ten minutes
   * ```ts ignore
   * import type { LogRecord } from "@edgelog/edgelog";
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
   * const batch = new Array<LogRecord>(100);
   * const count = await log.readSince(Date.now() - 10 * 60_000, batch);
   * for (const record of batch.slice(0, count)) console.log(record.offset, record.created);
   * ```
   */
  async readSince(time: Date | number, batch: LogRecord[], opts?: CallOptions): Promise<number> {
    checkSignal(opts?.signal);
    const since = sinceParam(time);
    if (!Array.isArray(batch)) {
      throw new TypeError(`Expected batch to be an array, got ${describe(batch)}`);
    }
    if (batch.length === 0) return 0;
    return await this.#fill({ since }, batch, opts?.signal);
  }

  /** What readBatch and readSince share: pages from `start` until the batch is full. */
  async #fill(
    start: TailStart,
    batch: LogRecord[],
    signal: AbortSignal | undefined,
  ): Promise<number> {
    let count = 0;
    let next = start;
    // A page may be short because of the server's byte limit: read on until the server
    // says the end was reached.
    while (count < batch.length) {
      const limit = Math.min(batch.length - count, MAX_READ_LIMIT);
      let page: LogRecord[];
      let from: number;
      try {
        ({ records: page, next: from } = await this.#readPage(next, limit, signal));
      } catch (error) {
        const ended = error instanceof FutureOffsetError || error instanceof OutOfRangeError;
        if (count > 0 && ended) break;
        throw error;
      }
      for (const record of page) batch[count++] = record;
      if (page.length === 0) break;
      next = { from };
    }
    return count;
  }

  /**
   * Resolves the half-open range `[begin, end)` of stored offsets (the Journal's bounds):
   * `end` is the offset the next append gets.
   *
   * @param opts Call options.
   * @returns The bounds; `{ begin: 0, end: 0 }` for a fresh log.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const { begin, end } = await new LogClient("http://127.0.0.1:8787", "acme/demo").bounds();
   * console.log(`${end - begin} records`);
   * ```
   */
  async bounds(opts?: CallOptions): Promise<Bounds> {
    checkSignal(opts?.signal);
    const response = await this.#send("GET", "/bounds", { signal: opts?.signal });
    return await this.#json(response, opts?.signal, { begin: "integer", end: "integer" });
  }

  /**
   * Resolves the inclusive range of available offsets (the Log's `range`).
   *
   * @param opts Call options.
   * @returns The earliest and latest offsets; `{ earliest: -1, latest: -1 }` for an empty log.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
   * const { earliest, latest } = await log.range();
   * ```
   */
  async range(opts?: CallOptions): Promise<OffsetRange> {
    checkSignal(opts?.signal);
    const response = await this.#send("GET", "/range", { signal: opts?.signal });
    return await this.#json(response, opts?.signal, { earliest: "offset", latest: "offset" });
  }

  /**
   * Removes the oldest records, those below `before`, and resolves the bounds after it.
   * `before` at or below the oldest offset changes nothing; offsets are never reused.
   *
   * @param before The first offset to keep.
   * @param opts Call options.
   * @returns The bounds after truncation.
   * @throws {RangeError} When `before` is negative or past the end.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
   * const { begin } = await log.truncate(1000); // drops offsets below 1000
   * ```
   */
  async truncate(before: number, opts?: CallOptions): Promise<Bounds> {
    checkSignal(opts?.signal);
    assertPosition("before", before);
    const response = await this.#send("POST", "/truncate", {
      query: { before },
      signal: opts?.signal,
      context: { badRequestIsRange: true },
    });
    return await this.#json(response, opts?.signal, { begin: "integer", end: "integer" });
  }

  /**
   * Resolves the log's configuration.
   *
   * @param opts Call options.
   * @returns The configuration.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const config = await new LogClient("http://127.0.0.1:8787", "acme/demo").config();
   * console.log(config.maxRecordSize); // 1048576 unless configured
   * ```
   */
  async config(opts?: CallOptions): Promise<LogConfig> {
    checkSignal(opts?.signal);
    const response = await this.#send("GET", "/config", { signal: opts?.signal });
    return await this.#config(response, opts?.signal);
  }

  /**
   * Changes the log's configuration and resolves the whole new one. Retention applies
   * from the next append.
   *
   * @param changes The fields to set.
   * @param opts Call options.
   * @returns The new configuration.
   * @throws {TypeError} When `changes` is not an object of known fields.
   * @throws {RangeError} When a value is out of its range (also the server's).
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/events");
   * await log.configure({ maxSegmentSize: 10_000, maxRecordSize: 4096 });
   * ```
   */
  async configure(changes: LogConfigChanges, opts?: CallOptions): Promise<LogConfig> {
    checkSignal(opts?.signal);
    if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
      throw new TypeError(`Expected changes to be an object, got ${describe(changes)}`);
    }
    const body: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (key === "maxSegmentSize" || key === "maxAge") {
        if (value === null || value === Infinity) body[key] = null;
        else {
          assertInteger(key, value);
          if (value < 1) throw new RangeError(`Expected ${key} to be positive, got "${value}"`);
          body[key] = value;
        }
      } else if (key === "maxRecordSize") {
        assertInteger(key, value);
        if (value < 1) throw new RangeError(`Expected ${key} to be positive, got "${value}"`);
        body[key] = value;
      } else if (value !== undefined) {
        throw new TypeError(`Unknown config field "${key}"`);
      }
    }
    const response = await this.#send("PUT", "/config", {
      body: JSON.stringify(body),
      contentType: JSON_CONTENT_TYPE,
      signal: opts?.signal,
      context: { badRequestIsRange: true },
    });
    return await this.#config(response, opts?.signal);
  }

  /**
   * Deletes the log and all its storage, its configuration included; its tails end. The
   * name can be used again: a fresh, empty log from offset 0.
   *
   * @param opts Call options.
   * @throws {HttpError} When the server refuses the request or cannot be reached.
   *
   * @example
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * await new LogClient("http://127.0.0.1:8787", "acme/scratch").delete();
   * ```
   */
  async delete(opts?: CallOptions): Promise<void> {
    checkSignal(opts?.signal);
    const response = await this.#send("DELETE", "", { signal: opts?.signal });
    await this.#bytes(response, opts?.signal);
  }

  /**
   * Follows the log live over a WebSocket: yields every record from `from` in offset
   * order, then each new one as it is committed. After a dropped connection it reconnects
   * with exponential backoff and jitter and resumes at the offset after the last record it
   * received: no record is lost or repeated. While the server cannot be reached, attempts stay
   * at most 800 ms apart, so the tail is back within a second of the server answering again;
   * refusals (5xx, 408, 429) back off up to `maxDelay`. The tail connects on the first `next()`.
   *
   * `tail` never throws; `next()` rejects with the signal's reason once it is aborted (the
   * socket is closed), with `OutOfRangeError` when `from` or the next offset was purged
   * (by truncation or retention; no reconnect), and with `HttpError` (or the core's error)
   * when the server refuses the tail, e.g. `UNAUTHORIZED`. The iteration ends (`done`)
   * when the log is deleted, and after `return()` (`break` in a `for await` loop).
   *
   * @param from The first offset to yield; it may lie in the future. Default: the log's
   * end when the tail starts, so only records appended from then on; or, with `opts.since`,
   * the first record created at or after that time.
   * @param opts Call options; the reconnect delays, the heartbeat, the buffer limit and a
   * callback on reconnects.
   * @returns An async iterator of records.
   *
   * @example Following a log (needs a server: `npm start`)
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   * import WebSocket from "ws"; // Node 20 (no global WebSocket) with the client from JSR only
   *
   * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", { WebSocket });
   * const controller = new AbortController();
   * for await (const record of log.tail(0, { signal: controller.signal })) {
   *   console.log(record.offset, new TextDecoder().decode(record.data));
   * }
   * ```
   */
  tail(from?: number, opts?: TailOptions): AsyncIterableIterator<LogRecord> {
    return new LogTail(this.#tailSource(), from, opts);
  }

  /**
   * A writer over an append session (PROTOCOL.md, Append session): one WebSocket on which
   * appends are pipelined, each resolved with its offset once committed, in order; after a
   * dropped connection it reconnects and sends again what had no answer, stored once (its own
   * producer: a random id unless `opts.producer.id` is given). Faster than `append` for many
   * records one at a time; see {@linkcode LogWriter}. It connects on its first append; close
   * it with `close()`, which waits for the answers.
   *
   * @param opts The producer, a signal that ends the writer, the reconnect delays.
   * @returns The writer.
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When the producer's id or epoch, or a delay, is out of its range.
   *
   * @example Appending lines as fast as the server commits them (needs a server: `npm start`)
   * ```ts ignore
   * import { LogClient } from "@edgelog/edgelog/client";
   *
   * const writer = new LogClient("http://127.0.0.1:8787", "acme/demo").writer();
   * const offsets = ["a", "b", "c"].map((line) => writer.append(new TextEncoder().encode(line)));
   * console.log(await Promise.all(offsets)); // e.g. [0, 1, 2]
   * await writer.close();
   * ```
   */
  writer(opts?: WriterOptions): LogWriter {
    return new LogWriter(this.#writerSource(), opts);
  }

  #writerSource(): WriterSource {
    const tail = this.#tailSource();
    return {
      webSocket: tail.webSocket,
      protocols: tail.protocols,
      url: () => {
        const url = this.#url("/session");
        url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        return url.href;
      },
      probe: async (signal) => {
        try {
          const response = await this.#send("GET", "/session", { signal });
          await response.body?.cancel();
          return unexpected(
            response.status,
            "Expected the session to answer 426 without an upgrade",
          );
        } catch (error) {
          if (error instanceof HttpError && error.code === "UPGRADE_REQUIRED") return undefined;
          throw error;
        }
      },
    };
  }

  #tailSource(): TailSource {
    return {
      webSocket: () => {
        const WebSocket = this.#WebSocket ?? defaultWebSocket();
        if (WebSocket === undefined) {
          throw new TypeError(
            "This runtime has no global WebSocket: pass the WebSocket option (e.g. the ws package's)",
          );
        }
        return WebSocket;
      },
      url: (start) => {
        const url = this.#url("/tail", start);
        url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        return url.href;
      },
      protocols: async (signal) => {
        const token = await this.#resolveToken();
        signal?.throwIfAborted();
        return token === undefined ? undefined : tailSubprotocols(token);
      },
      end: async (signal) => (await this.bounds(signal === undefined ? {} : { signal })).end,
      probe: async (start, signal) => {
        try {
          const response = await this.#send("GET", "/tail", {
            query: start,
            signal,
            context: { offset: "from" in start ? start.from : undefined },
          });
          await response.body?.cancel();
          return unexpected(response.status, "Expected the tail to answer 426 without an upgrade");
        } catch (error) {
          if (error instanceof HttpError && error.code === "UPGRADE_REQUIRED") return undefined;
          throw error;
        }
      },
    };
  }

  async #resolveToken(): Promise<string | undefined> {
    const source = this.#token;
    if (source === undefined) return undefined;
    const token = typeof source === "string" ? source : await source();
    if (typeof token !== "string" || token === "") {
      throw new TypeError(`Expected the token function to return a string, got ${describe(token)}`);
    }
    return token;
  }

  /** The URL of a route of this log, with its query parameters. */
  #url(route: string, query: SendInit["query"] = {}): URL {
    const url = new URL(this.url.href + route);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    return url;
  }

  /**
   * An append of the client's own producer: waits for its turn, sends it with the next seq
   * (retried as the policy says), and moves the producer on as the class describes.
   */
  async #appendOwn(request: AppendRequest, signal: AbortSignal | undefined): Promise<Appended> {
    const session = this.#producer;
    if (session === undefined) return await this.#post(request, undefined, signal);
    const release = await session.turn(signal);
    try {
      for (let resent = false;; resent = true) {
        const producer = session.next;
        let appended: Appended;
        try {
          appended = await this.#post(request, producer, signal);
        } catch (error) {
          if (
            !resent && error instanceof ProducerSeqGapError && error.expectedSeq === 0 &&
            producer.seq > 0
          ) {
            // The server forgot the producer, so none of this seq's tries was stored (a
            // stored one would have renewed it): a new epoch starts at seq 0.
            session.newEpoch();
            continue;
          }
          if (!refused(error, signal)) session.newEpoch();
          throw error;
        }
        if (appended.count === 0) {
          // The server holds a later write of this producer than the client made.
          session.newEpoch();
          throw unexpected(
            200,
            `The server took seq "${producer.seq}" of producer "${producer.id}" for an ` +
              "older write: does another writer use this id?",
          );
        }
        session.written();
        return appended;
      }
    } finally {
      release();
    }
  }

  /**
   * Sends an append, with `producer`'s headers and retries when it names one, once
   * without; resolves where the records are and whether the server had stored them before.
   */
  async #post(
    request: AppendRequest,
    producer: Producer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Appended> {
    const { route, body, contentType, expected, context } = request;
    const policy = producer === undefined ? undefined : this.#retry;
    return await withRetries(policy, signal, async (attemptSignal) => {
      const response = await this.#send("POST", route, {
        ...(expected === undefined ? {} : { query: { expected } }),
        body,
        contentType,
        ...(producer === undefined ? {} : { headers: producerHeaders(producer) }),
        signal: attemptSignal,
        context,
      });
      const duplicate = producer !== undefined && isDuplicateAnswer(response.headers);
      // Only a duplicate may name offset -1: a write older than the producer's last.
      const kind = duplicate ? "offset" : "integer";
      if (route === "/records") {
        const { offset } = await this.#json(response, attemptSignal, { offset: kind });
        return { offset, count: offset === -1 ? 0 : 1, duplicate };
      }
      const { first, count } = await this.#json(response, attemptSignal, {
        first: kind,
        count: "integer",
      });
      return { offset: first, count, duplicate };
    });
  }

  /** Sends one request; resolves a 2xx response, rejects with the error any other stands for. */
  async #send(method: string, route: string, init: SendInit): Promise<Response> {
    const url = this.#url(route, init.query);
    const headers = new Headers(init.headers);
    const token = await this.#resolveToken();
    if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
    if (init.contentType !== undefined) headers.set("content-type", init.contentType);
    const signal = init.signal;
    signal?.throwIfAborted();
    const request = new Request(url, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
      ...(signal === undefined ? {} : { signal }),
    });
    const send = this.#fetch;
    let response: Response;
    try {
      response = await send(request);
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw new HttpError(
        "NETWORK",
        0,
        `Cannot reach "${url.origin}": ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (response.ok) return response;
    const error = await errorFromResponse(response, init.context);
    if (signal?.aborted === true) throw signal.reason;
    throw error;
  }

  /** Reads a page of a batch read, from an offset or from a time. */
  async #readPage(
    start: TailStart,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<{ records: LogRecord[]; next: number }> {
    const response = await this.#send("GET", "/records", {
      query: { ...start, limit },
      signal,
      context: { offset: "from" in start ? start.from : undefined },
    });
    const text = await this.#text(response, signal);
    let records: LogRecord[];
    try {
      records = decodeRecordLines(text).map(({ offset, created, data }) => ({
        offset,
        created: new Date(created),
        data,
      }));
    } catch (error) {
      throw unexpected(response.status, `Unreadable batch read: ${messageOf(error)}`, error);
    }
    // From a time, the first record's offset is the server's to find.
    const from = "from" in start ? start.from : records[0]?.offset ?? 0;
    records.forEach((record, i) => {
      if (record.offset !== from + i) {
        throw unexpected(response.status, `Expected offset "${from + i}", got "${record.offset}"`);
      }
    });
    return { records, next: from + records.length };
  }

  async #config(response: Response, signal: AbortSignal | undefined): Promise<LogConfig> {
    const body = await this.#json(response, signal, {
      maxSegmentSize: "integer-or-null",
      maxRecordSize: "integer",
      // A server older than retention by age sends none: it keeps records whatever their age.
      maxAge: "integer-null-or-absent",
    });
    return {
      maxSegmentSize: body.maxSegmentSize,
      maxRecordSize: body.maxRecordSize,
      maxAge: body.maxAge ?? null,
    };
  }

  async #text(response: Response, signal: AbortSignal | undefined): Promise<string> {
    return new TextDecoder().decode(await this.#bytes(response, signal));
  }

  async #bytes(response: Response, signal: AbortSignal | undefined): Promise<Uint8Array> {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw new HttpError("NETWORK", 0, `The answer was cut off: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  /** Reads a JSON body and checks that it has the fields of `shape`. */
  async #json<S extends Record<string, FieldKind>>(
    response: Response,
    signal: AbortSignal | undefined,
    shape: S,
  ): Promise<{ [K in keyof S]: FieldType<S[K]> }> {
    const text = await this.#text(response, signal);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const fields = typeof body === "object" && body !== null
      ? body as Record<string, unknown>
      : undefined;
    for (const [key, kind] of Object.entries(shape)) {
      const value = fields?.[key];
      const valid = kind === "integer"
        ? isOffset(value)
        : kind === "offset"
        ? isOffset(value) || value === -1
        : kind === "integer-null-or-absent"
        ? isOffset(value) || value === null || value === undefined
        : isOffset(value) || value === null;
      if (!valid) {
        throw unexpected(
          response.status,
          `Expected "${key}" in the answer, got "${text.slice(0, 200)}"`,
        );
      }
    }
    return fields as { [K in keyof S]: FieldType<S[K]> };
  }
}

/** The kinds of fields of the JSON answers. */
type FieldKind = "integer" | "offset" | "integer-or-null" | "integer-null-or-absent";
type FieldType<K extends FieldKind> = K extends "integer-or-null" ? number | null
  : K extends "integer-null-or-absent" ? number | null | undefined
  : number;

function isOffset(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The caller's own producer of an append, checked; `undefined` when it names none. */
function producerOf(opts: AppendOptions | ProducerAppendOptions | undefined): Producer | undefined {
  if (opts === undefined || !("producer" in opts) || opts.producer === undefined) return undefined;
  const producer: unknown = opts.producer;
  assertProducer(producer);
  return { id: producer.id, epoch: producer.epoch, seq: producer.seq };
}

/**
 * Whether an append's failure means that nothing was written: the server refused it (a 4xx
 * or the core's error for one), or it was never sent. Not after no answer, a 5xx, an answer
 * the client cannot read, or an abort.
 */
function refused(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true && error === signal.reason) return false;
  if (isTransient(error)) return false;
  if (error instanceof HttpError) return error.status >= 400 && error.status < 500;
  return error instanceof LogError || error instanceof RangeError || error instanceof TypeError;
}

function expectedOffsetOf(opts: AppendOptions | undefined): number | undefined {
  const expected = opts?.expectedOffset;
  if (expected !== undefined) assertPosition("expectedOffset", expected);
  return expected;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
