// The writer of a remote log: appends pipelined over an append session (PROTOCOL.md, Append
// session), each resolved with its offset after its commit, resent without duplicates after
// a dropped connection. Built by `LogClient.writer`.
import { ClosedError, ProducerSeqGapError, StaleEpochError } from "../core/errors.ts";
import { assertBytes, describe } from "../core/validate.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../protocol/limits.ts";
import {
  appendEntrySize,
  type ClientEntry,
  decodeServerMessage,
  encodeClientEntries,
  type ServerEntry,
  type SessionHello,
} from "../protocol/session.ts";
import { batchBodySize, batchTooLargeMessage, tooManyBatchRecords } from "../protocol/wire.ts";
import { assertBatchRecords } from "./batch_records.ts";
import { errorFromBody, unexpected } from "./error_body.ts";
import { HttpError } from "./http_error.ts";
import { type ProducerOptions, ProducerSession } from "./producer_session.ts";
import { backoff, isTransient } from "./retry.ts";
import type { WebSocketConstructor } from "./tail.ts";

/** Options of `LogClient.writer`. */
export interface WriterOptions {
  /**
   * The producer the writer names its appends with, so that an append resent after a
   * dropped connection is stored once. Default: a random id, new for every writer, from
   * epoch 0. Only one writer at a time may use an id.
   */
  producer?: ProducerOptions;
  /** Aborting it ends the writer: appends not yet answered reject with its reason. */
  signal?: AbortSignal;
  /** Milliseconds before the first reconnect attempt. Default 100. */
  minDelay?: number;
  /**
   * The longest wait between reconnect attempts, in milliseconds. Default 1000: a writer
   * that cannot reach the server is back within about a second of it answering again.
   */
  maxDelay?: number;
  /** Called before each reconnect attempt. */
  onReconnect?: (event: WriterReconnectEvent) => void;
}

/** Tells a writer's owner that its connection dropped and when it tries again. */
export interface WriterReconnectEvent {
  /** How many attempts in a row this is: 1 for the first after a connection was lost. */
  attempt: number;
  /** Milliseconds until the attempt. */
  delay: number;
  /** Appends that will be sent (again) once connected. */
  pending: number;
  /** Why the connection was lost, for humans. */
  reason: string;
}

/** What a writer needs from its client. */
export interface WriterSource {
  /** The WebSocket constructor to use; throws TypeError when there is none. */
  webSocket(): WebSocketConstructor;
  /** The session's URL. */
  url(): string;
  /** The subprotocols to offer (they carry the token), or `undefined` to offer none. */
  protocols(signal: AbortSignal | undefined): Promise<string[] | undefined>;
  /**
   * Asks the session's route over plain HTTP why a handshake failed: resolves the error when
   * the server refuses it, `undefined` when it would accept it (it answers 426).
   */
  probe(signal: AbortSignal | undefined): Promise<Error | undefined>;
}

/** The part of a WebSocket a writer uses: binary sends beside the tail's. */
interface SessionSocket {
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: string,
    listener: (event: { data?: unknown; code?: number }) => void,
  ): void;
}

/** An append the server has not answered yet. */
interface Pending {
  entry: { kind: "record"; data: Uint8Array } | { kind: "batch"; records: Uint8Array[] };
  /** Its size on the wire, with its producer's epoch and seq. */
  size: number;
  resolve(offset: number): void;
  reject(error: unknown): void;
}

/** The most bytes of entries the writer packs into one message. */
const MESSAGE_BYTES = 256 * 1024;

/**
 * Appends to a remote log over one WebSocket, many at a time: each `append` is sent at once
 * (appends made in the same turn share a message), and resolves its record's offset once
 * the server has committed it, in the order of the calls. Build one with
 * `LogClient.writer()`.
 *
 * Every append names the writer's producer, with one seq per append. After a dropped
 * connection the writer connects again (with backoff) and sends every append that had no
 * answer again, with the same seqs: the server stores each once and answers an append it
 * had stored with its original offsets. So an append that resolves was written exactly
 * once, and none is written twice.
 *
 * The writer keeps within the limits the server announces (appends and bytes in flight):
 * what does not fit waits in the writer until answers come back. Appends wait in memory, so
 * a caller that produces faster than the server takes should await its appends now and
 * then. Throughput grows with the appends in flight: one commit answers all that arrived
 * together. (Measured here: with Deno's own `WebSocket`, answers took about 40 ms until
 * several thousand appends were in flight, as when Nagle's algorithm meets TCP's delayed
 * acknowledgements; the `ws` package's, which turns Nagle's algorithm off and which Node uses,
 * took 4 to 9 ms. Pass it as the client's `WebSocket` option when latency matters.)
 *
 * An append rejects with the core's error when the log refuses it (`RecordTooLargeError`,
 * a `RangeError`), and with `HttpError` for a refusal at the HTTP layer (`REQUEST_TOO_LARGE`
 * for a batch over the limits, `UNAUTHORIZED`, `FORBIDDEN`); the others go on. A
 * `StaleEpochError` or `ProducerSeqGapError` (another writer uses this producer's id), a
 * refused connection and an aborted signal end the writer: every append not yet answered
 * rejects with that error. A log that no longer knows the producer (`ProducerSeqGapError`
 * with `expectedSeq` 0: unused for 7 days, or the log was deleted) is not an error: the
 * writer starts a new epoch and sends its unanswered appends again.
 *
 * @example Pipelined appends (needs a server: `npm start`)
 * ```ts ignore
 * import { LogClient } from "@edgelog/edgelog/client";
 *
 * const writer = new LogClient("http://127.0.0.1:8787", "acme/demo").writer();
 * const offsets = await Promise.all(
 *   ["a", "b", "c"].map((s) => writer.append(new TextEncoder().encode(s))),
 * );
 * await writer.close();
 * console.log(offsets); // e.g. [0, 1, 2]
 * ```
 */
export class LogWriter {
  readonly #source: WriterSource;
  readonly #producer: ProducerSession;
  readonly #signal: AbortSignal | undefined;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #onReconnect: ((event: WriterReconnectEvent) => void) | undefined;
  /** Every append not yet answered, in order; the first `#sent` are on the connection. */
  readonly #queue: Pending[] = [];
  #sent = 0;
  #sentBytes = 0;
  /** The seq of `#queue[0]`; the others follow it. */
  #seq = 0;
  /** The open connection, once its handshake is done. */
  #socket: SessionSocket | undefined;
  /** The connection being made or open: closed when the writer disconnects. */
  #current: SessionSocket | undefined;
  #hello: SessionHello | undefined;
  #messages = 0;
  #generation = 0;
  #attempt = 0;
  #flushing = false;
  #connecting = false;
  /** Set once the writer ended: every append rejects with it. */
  #ended: unknown;
  #closing: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  /**
   * Creates a writer; it connects on the first append. Use `LogClient.writer()`.
   *
   * @param source How to reach the log.
   * @param options The producer, the signal and the reconnect delays.
   */
  constructor(source: WriterSource, options: WriterOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Expected the writer's options to be an object, got ${describe(options)}`,
      );
    }
    const { producer, signal, minDelay = 100, maxDelay = 1000, onReconnect } = options;
    for (const [name, value] of [["minDelay", minDelay], ["maxDelay", maxDelay]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`Expected ${name} to be a positive integer, got ${describe(value)}`);
      }
    }
    if (onReconnect !== undefined && typeof onReconnect !== "function") {
      throw new TypeError(`Expected onReconnect to be a function, got ${describe(onReconnect)}`);
    }
    this.#source = source;
    this.#producer = new ProducerSession(producer);
    this.#seq = this.#producer.next.seq;
    this.#signal = signal;
    this.#minDelay = minDelay;
    this.#maxDelay = Math.max(minDelay, maxDelay);
    this.#onReconnect = onReconnect;
    signal?.addEventListener("abort", () => this.#end(signal.reason), { once: true });
    if (signal?.aborted === true) this.#ended = signal.reason;
  }

  /** The writer's producer: its id, epoch, and the seq of its oldest unanswered append. */
  get producer(): { id: string; epoch: number; seq: number } {
    return { ...this.#producer.next, seq: this.#seq };
  }

  /**
   * Appends one record; resolves its offset once the server has committed it.
   *
   * @param data The record: 1 byte up to the log's `maxRecordSize`. It is copied at once.
   * @returns The record's offset.
   * @throws {RangeError} When `data` is empty.
   * @throws {RecordTooLargeError} When `data` is over the log's `maxRecordSize`.
   * @throws {ClosedError} After `close()`.
   */
  append(data: Uint8Array): Promise<number> {
    try {
      assertBytes("data", data);
      if (data.byteLength === 0) throw new RangeError("Expected data not to be empty");
      return this.#enqueue({ kind: "record", data: data.slice() });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Appends records atomically at consecutive offsets (all or none); resolves the first one's
   * offset once the server has committed them.
   *
   * @param records 1 to 1000 records, each valid for {@linkcode LogWriter.append}, at most
   * 8 MiB with 4 bytes counted for each. They are copied at once.
   * @returns The first record's offset; the others follow it.
   * @throws {RangeError} When `records` or a record is empty.
   * @throws {HttpError} `REQUEST_TOO_LARGE` past the batch limits.
   * @throws {RecordTooLargeError} When a record is over the log's `maxRecordSize`.
   * @throws {ClosedError} After `close()`.
   */
  appendBatch(records: readonly Uint8Array[]): Promise<number> {
    try {
      assertBatchRecords(records);
      if (records.length > MAX_BATCH_RECORDS) {
        const { message } = tooManyBatchRecords(MAX_BATCH_RECORDS, records.length);
        throw new HttpError("REQUEST_TOO_LARGE", 413, message);
      }
      const size = batchBodySize(records);
      if (size > MAX_BATCH_BYTES) {
        throw new HttpError("REQUEST_TOO_LARGE", 413, batchTooLargeMessage(MAX_BATCH_BYTES, size));
      }
      return this.#enqueue({ kind: "batch", records: records.map((r) => r.slice()) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Waits until every append made so far is answered, then closes the connection. Appends
   * made afterwards reject `ClosedError`. Resolves also when the writer had ended with an
   * error (its appends rejected with it).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#queue.length > 0 && this.#ended === undefined) {
        await new Promise<void>((resolve) => this.#idle = resolve);
      }
      if (this.#ended === undefined) this.#ended = new ClosedError("writer");
      this.#disconnect(1000, "closed");
    })();
    return this.#closing;
  }

  #enqueue(entry: Pending["entry"]): Promise<number> {
    if (this.#ended !== undefined) throw this.#ended;
    if (this.#closing !== undefined) throw new ClosedError("writer");
    return new Promise<number>((resolve, reject) => {
      const size = appendEntrySize({ ...entry, producer: { epoch: 0, seq: 0 } });
      this.#queue.push({ entry, size, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#socket === undefined) {
      if (!this.#connecting && this.#ended === undefined) void this.#connect();
      return;
    }
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      this.#flush();
    });
  }

  /** Sends the appends not sent yet on this connection, as far as the server's limits allow. */
  #flush(): void {
    const socket = this.#socket;
    const hello = this.#hello;
    if (socket === undefined || hello === undefined) return;
    const { epoch, id } = this.#producer.next;
    let entries: ClientEntry[] = this.#messages === 0 ? [{ kind: "producer", id }] : [];
    let bytes = 0;
    const sendMessage = () => {
      if (entries.length === 0) return;
      socket.send(encodeClientEntries(this.#messages++, entries));
      entries = [];
      bytes = 0;
    };
    while (this.#sent < this.#queue.length && this.#sent < hello.maxInFlightAppends) {
      // Records over the HELLO's maxRecordSize are sent all the same: the log's config may
      // have grown since. The server refuses them if not, and the writer renumbers.
      const pending = this.#queue[this.#sent]!;
      if (this.#sentBytes + pending.size > hello.maxInFlightBytes) break;
      if (bytes > 0 && bytes + pending.size > MESSAGE_BYTES) sendMessage();
      const producer = { epoch, seq: this.#seq + this.#sent };
      entries.push({ ...pending.entry, producer });
      bytes += pending.size;
      this.#sent++;
      this.#sentBytes += pending.size;
    }
    if (entries.length > 0 && (entries.length > 1 || entries[0]!.kind !== "producer")) {
      sendMessage();
    }
    this.#checkIdle();
  }

  async #connect(): Promise<void> {
    if (this.#ended !== undefined) return;
    this.#connecting = true;
    const generation = ++this.#generation;
    try {
      const WebSocket = this.#source.webSocket();
      const protocols = await this.#source.protocols(this.#signal);
      if (generation !== this.#generation || this.#ended !== undefined) return;
      const url = this.#source.url();
      const socket = (protocols === undefined
        ? new WebSocket(url)
        : new WebSocket(url, protocols)) as unknown as SessionSocket;
      socket.binaryType = "arraybuffer";
      this.#current = socket;
      let opened = false;
      socket.addEventListener("open", () => {
        if (generation !== this.#generation) {
          return;
        }
        opened = true;
        this.#socket = socket;
        this.#connecting = false;
      });
      socket.addEventListener("message", (event) => {
        if (generation === this.#generation) {
          this.#receive(event.data);
        }
      });
      socket.addEventListener("close", (event) => {
        if (generation === this.#generation) {
          void this.#lost(opened, `closed with ${event.code}`);
        }
      });
      socket.addEventListener("error", () => {});
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#connecting = false;
      if (isTransient(error)) this.#retry(messageOf(error));
      else this.#end(error);
    }
  }

  #receive(data: unknown): void {
    let entries;
    try {
      if (typeof data === "string") throw new SyntaxError("A text message");
      const bytes = data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : undefined;
      if (bytes === undefined) throw new SyntaxError("An unknown message");
      entries = decodeServerMessage(bytes);
    } catch (error) {
      return this.#end(unexpected(0, `Unreadable session answer: ${messageOf(error)}`, error));
    }
    try {
      this.#answerAll(entries);
    } catch (error) {
      // An answer to an append that was not sent: the writer cannot tell what is stored.
      this.#end(error);
    }
  }

  #answerAll(entries: readonly ServerEntry[]): void {
    for (const entry of entries) {
      switch (entry.kind) {
        case "hello":
          this.#hello = entry.limits;
          this.#attempt = 0;
          this.#scheduleFlush();
          break;
        case "ack":
          if (entry.offset === -1) {
            this.#answer().reject(
              unexpected(
                0,
                "The append was stored, but the server no longer knows its offset (it restarted " +
                  "before the answer arrived)",
              ),
            );
          } else this.#answer().resolve(entry.offset);
          this.#seq++;
          break;
        case "ackRun":
          for (let i = 0; i < entry.n; i++) {
            this.#answer().resolve(entry.offset + i);
            this.#seq++;
          }
          break;
        case "error": {
          const error = errorFromBody(0, parse(entry.body));
          if (error instanceof ProducerSeqGapError && error.expectedSeq === 0 && this.#seq > 0) {
            // The log no longer knows the producer (unused for 7 days, pushed out by newer
            // ones, or the log was deleted), so none of the appends without an answer is in
            // it: a new epoch starts at seq 0, and they are sent again, renumbered.
            this.#producer.newEpoch();
            this.#seq = 0;
            this.#disconnect(1000, "new epoch");
            this.#scheduleFlush();
            return;
          }
          const pending = this.#answer();
          pending.reject(error);
          if (error instanceof StaleEpochError || error instanceof ProducerSeqGapError) {
            return this.#end(error);
          }
          if (this.#sent > 0) {
            // Its seq was not used: the appends sent after it carry seqs one too high, and
            // the server refuses them as a gap. Send them again, renumbered.
            this.#disconnect(1000, "resend");
            this.#socket = undefined;
            this.#scheduleFlush();
            return;
          }
          break;
        }
        case "sessionError":
          return this.#end(errorFromBody(0, parse(entry.body)));
      }
    }
    this.#scheduleFlush();
  }

  /** The oldest append in flight, taken off the queue: its answer just arrived. */
  #answer(): Pending {
    const pending = this.#queue.shift();
    if (pending === undefined || this.#sent === 0) {
      throw unexpected(0, "The server answered an append that was not sent");
    }
    this.#sent--;
    this.#sentBytes -= pending.size;
    return pending;
  }

  #checkIdle(): void {
    if (this.#queue.length === 0 && this.#idle !== undefined) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  /** The connection is gone: every append in flight is sent again on the next one. */
  async #lost(opened: boolean, reason: string): Promise<void> {
    this.#current = undefined;
    this.#resetConnection();
    if (this.#ended !== undefined) return;
    if (!opened) {
      // Why was the handshake refused? A refusal that will not change ends the writer.
      try {
        const refusal = await this.#source.probe(this.#signal);
        if (refusal !== undefined && !isTransient(refusal)) return this.#end(refusal);
      } catch (error) {
        if (!isTransient(error)) return this.#end(error);
      }
    }
    if (this.#queue.length === 0 && this.#closing === undefined) return; // Reconnect on demand.
    this.#retry(reason);
  }

  #retry(reason: string): void {
    if (this.#ended !== undefined) return;
    this.#attempt++;
    const delay = backoff({ minDelay: this.#minDelay, maxDelay: this.#maxDelay }, this.#attempt);
    try {
      this.#onReconnect?.({ attempt: this.#attempt, delay, pending: this.#queue.length, reason });
    } catch (error) {
      return this.#end(error);
    }
    this.#connecting = true;
    setTimeout(() => void this.#connect(), delay);
  }

  #resetConnection(): void {
    this.#generation++;
    this.#socket = undefined;
    this.#hello = undefined;
    this.#connecting = false;
    this.#sent = 0;
    this.#sentBytes = 0;
    this.#messages = 0;
  }

  #disconnect(code: number, reason: string): void {
    const socket = this.#current;
    this.#current = undefined;
    this.#resetConnection();
    try {
      socket?.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  /** Ends the writer: every append not yet answered rejects with `error`. */
  #end(error: unknown): void {
    if (this.#ended === undefined) this.#ended = error;
    this.#disconnect(1000, "ended");
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    this.#checkIdle();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
