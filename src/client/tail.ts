// The live tail of a remote log: an async iterator over a WebSocket that reconnects after a
// dropped connection and resumes where it left off. Built by `LogClient.tail`; internal
// otherwise.
import { OutOfRangeError } from "../core/errors.ts";
import type { CallOptions } from "../core/journal.ts";
import type { LogRecord } from "../core/log.ts";
import { assertInteger, checkSignal, describe, timeMs } from "../core/validate.ts";
import { errorFromBody, unexpected } from "./error_body.ts";
import { HttpError } from "./http_error.ts";
import { isTransient } from "./retry.ts";
import { CLOSE_LOG_DELETED, CLOSE_OUT_OF_RANGE, TAIL_PING, TAIL_PONG } from "../protocol/tail.ts";
import { decodeTailFrame } from "../protocol/wire.ts";

/**
 * The part of the WebSocket API a tail uses. The `WebSocket` of browsers, Deno, Workers and
 * Node 22+, and the `WebSocket` class of the `ws` package for Node 20, all have it.
 */
export interface WebSocketLike {
  /** Set to `"arraybuffer"` by the tail. */
  binaryType: string;
  /** Sends a text message. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Called once the connection is open. */
  addEventListener(type: "open", listener: (event: unknown) => void): void;
  /** Called with each message: a string, or an ArrayBuffer for a binary one. */
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  /** Called once the connection is closed, with the close code. */
  addEventListener(
    type: "close",
    listener: (event: { code: number; reason: string }) => void,
  ): void;
  /** Called when the connection fails; a close event follows. */
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}

/** A WebSocket constructor: the global `WebSocket`, or `ws`'s in Node 20. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

/** Tells a tail's owner that the connection dropped and when the tail tries again. */
export interface ReconnectEvent {
  /** How many attempts in a row this is: 1 for the first after a connection was lost. */
  attempt: number;
  /** Milliseconds until the attempt. */
  delay: number;
  /**
   * The offset the tail resumes from, or `undefined` while it has not learnt the log's end
   * (or, with `since`, before its first record).
   */
  from: number | undefined;
  /** Why the connection was lost or the last attempt failed, for humans. */
  reason: string;
}

/** Tells a tail's owner that a connection opened: the tail is live from `from` on. */
export interface ConnectEvent {
  /**
   * The offset the connection starts from, or `undefined` for a tail started at a time
   * (`since`) before its first record.
   */
  from: number | undefined;
  /** `false` for the tail's first connection, `true` for each one after a reconnect. */
  reconnect: boolean;
}

/** Options of `LogClient.tail`. */
export interface TailOptions extends CallOptions {
  /**
   * Start at the first record created at or after this time (a `Date`, or milliseconds since
   * the Unix epoch) instead of at an offset: the records since then, then new ones. Not
   * together with `from` (`RangeError`). Until its first record arrives, the tail reconnects
   * with the same time.
   */
  since?: Date | number;
  /** Milliseconds before the first reconnect attempt. Default 250. */
  minDelay?: number;
  /**
   * The longest wait between attempts while the server answers but refuses the tail for a
   * while (a 5xx, 408 or 429), in milliseconds. Default 10000. While the server cannot be
   * reached at all, attempts stay at most 800 ms apart (with jitter), so that the tail is back
   * within a second of the server answering again.
   */
  maxDelay?: number;
  /**
   * Milliseconds between pings that check an idle connection is alive; a connection that
   * answers no ping until the next one is dropped and made again. Default 30000; 0 turns
   * the pings off.
   */
  heartbeat?: number;
  /**
   * About how many bytes of records may wait for `next()` before the tail closes the
   * connection to stop the server sending; it connects again, from the next offset, once
   * half of them were read. Default 8 MiB.
   */
  highWaterMark?: number;
  /** Called before each reconnect attempt. An error it throws ends the tail with that error. */
  onReconnect?: (event: ReconnectEvent) => void;
  /**
   * Called each time a connection opens: the first one, and each one after a reconnect (so
   * that a user interface can show the tail live again). An error it throws ends the tail with
   * that error.
   */
  onConnect?: (event: ConnectEvent) => void;
}

/** Where a tail connection starts: at an offset, or at the first record since a time (ms). */
export type TailStart = { from: number } | { since: number };

/** What a tail needs from its client. */
export interface TailSource {
  /** The WebSocket constructor to use; throws TypeError when there is none. */
  webSocket(): WebSocketConstructor;
  /** The tail's URL from `start`. */
  url(start: TailStart): string;
  /** The subprotocols to offer (they carry the token), or `undefined` to offer none. */
  protocols(signal: AbortSignal | undefined): Promise<string[] | undefined>;
  /** The log's end: where a tail without `from` starts. */
  end(signal: AbortSignal | undefined): Promise<number>;
  /**
   * Asks the tail's route over plain HTTP why a handshake failed: resolves the error when
   * the server refuses the tail, `undefined` when it would accept it (it answers 426).
   */
  probe(start: TailStart, signal: AbortSignal | undefined): Promise<Error | undefined>;
}

/**
 * The longest wait between reconnect attempts, in milliseconds, while the server cannot be
 * reached (no answer at all: a refused, reset or timed-out connection).
 *
 * Why a cap and not a probe: an attempt against a server that is down is a refused TCP
 * connection (plus one HTTP request to the same closed port), which costs the server nothing,
 * so a tail may as well attempt the real reconnect about once a second: the server's first
 * answer is then met within a second, with no second mechanism (a probe loop) to run beside
 * the backoff, and no traffic at all over a healthy connection (whose liveness stays the job of
 * the heartbeat). 800 ms with jitter (400-800 ms between attempts) leaves the handshake room
 * within the second, and spreads the tails of many clients over the wait. A server that does
 * answer, with a 5xx, 408 or 429, is up but struggling: there the delay keeps growing up to
 * `maxDelay`, so that tails do not add to its load.
 */
export const UNREACHABLE_MAX_DELAY = 800;

/** Each buffered record counts as its bytes plus this, for the high-water mark. */
const RECORD_OVERHEAD = 64;

type Waiter = {
  resolve: (result: IteratorResult<LogRecord, undefined>) => void;
  reject: (error: unknown) => void;
};

/**
 * The iterator `LogClient.tail` returns. Records come in offset order, each exactly once,
 * across any number of reconnects: every connection starts at the offset after the last
 * record received, and records below it (there should be none) are dropped.
 */
export class LogTail implements AsyncIterableIterator<LogRecord, undefined> {
  readonly #source: TailSource;
  readonly #signal: AbortSignal | undefined;
  readonly #minDelay: number = 250;
  readonly #maxDelay: number = 10_000;
  readonly #heartbeat: number = 30_000;
  readonly #highWaterMark: number = 8 * 1024 * 1024;
  readonly #onReconnect: ((event: ReconnectEvent) => void) | undefined;
  readonly #onConnect: ((event: ConnectEvent) => void) | undefined;
  /** How many connections opened so far. */
  #connections = 0;
  /**
   * The next offset to receive; `undefined` until the log's end (or, with `since`, the
   * first record) is known.
   */
  #cursor: number | undefined;
  /** Where the tail starts while `#cursor` is not known: a time (ms), from `since`. */
  readonly #since: number | undefined;
  #buffer: LogRecord[] = [];
  #head = 0;
  #buffered = 0;
  readonly #waiters: Waiter[] = [];
  /** How the tail ends once its buffer is read: an error, or `null` for done. */
  #end: { error: unknown } | null | undefined;
  #started = false;
  #paused = false;
  /** Each connection's events carry its generation; a newer one makes them stale. */
  #generation = 0;
  #socket: WebSocketLike | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #awaitingPong = false;
  readonly #onAbort = () => this.#abort();

  /**
   * Creates a tail; it connects on the first `next()`. Never throws: an invalid argument
   * is the rejection of `next()`.
   */
  constructor(source: TailSource, from: number | undefined, opts: TailOptions | undefined) {
    this.#source = source;
    this.#signal = opts?.signal;
    this.#onReconnect = opts?.onReconnect;
    this.#onConnect = opts?.onConnect;
    try {
      checkSignal(this.#signal);
      if (from !== undefined) {
        assertInteger("from", from);
        if (from < 0) throw new OutOfRangeError(from);
      }
      this.#cursor = from;
      if (opts?.since !== undefined) {
        if (from !== undefined) throw new RangeError("Give from or since, not both");
        this.#since = sinceParam(opts.since);
      }
      this.#minDelay = option(opts, "minDelay", this.#minDelay, 1);
      this.#maxDelay = option(opts, "maxDelay", this.#maxDelay, this.#minDelay);
      this.#heartbeat = option(opts, "heartbeat", this.#heartbeat, 0);
      this.#highWaterMark = option(opts, "highWaterMark", this.#highWaterMark, 1);
      for (const name of ["onReconnect", "onConnect"] as const) {
        const callback = opts?.[name];
        if (callback !== undefined && typeof callback !== "function") {
          throw new TypeError(`Expected ${name} to be a function, got ${describe(callback)}`);
        }
      }
    } catch (error) {
      this.#end = { error };
    }
  }

  /** Returns this iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Resolves the next record, waiting for it if need be. Rejects with the signal's reason
   * once it is aborted, with `OutOfRangeError` when the next offset was purged, and with
   * an `HttpError` (or the core's error) when the server refuses the tail; resolves
   * `done` after `return()` and when the log was deleted.
   */
  next(): Promise<IteratorResult<LogRecord, undefined>> {
    const signal = this.#signal;
    if (signal?.aborted === true) {
      this.#abort();
      return Promise.reject(signal.reason);
    }
    if (this.#head < this.#buffer.length) return Promise.resolve(this.#take());
    if (this.#end !== undefined) return this.#settled();
    const next = new Promise<IteratorResult<LogRecord, undefined>>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    // After the waiter is in place: starting may end the tail at once (no WebSocket).
    if (!this.#started) this.#start();
    return next;
  }

  /** Ends the tail: closes the connection and resolves `done`, now and for every `next()`. */
  return(): Promise<IteratorResult<LogRecord, undefined>> {
    this.#buffer = [];
    this.#head = 0;
    this.#buffered = 0;
    if (this.#end === undefined) this.#finish(null);
    else this.#end = null;
    return Promise.resolve({ done: true, value: undefined });
  }

  #start(): void {
    this.#started = true;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    void this.#connect();
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    this.#paused = false;
    try {
      const WebSocket = this.#source.webSocket();
      if (this.#cursor === undefined && this.#since === undefined) {
        this.#cursor = await this.#source.end(this.#signal);
      }
      const protocols = await this.#source.protocols(this.#signal);
      if (generation !== this.#generation) return;
      const url = this.#source.url(this.#startOf());
      const socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
      socket.binaryType = "arraybuffer";
      this.#socket = socket;
      let opened = false;
      socket.addEventListener("open", () => {
        if (generation !== this.#generation) return;
        opened = true;
        this.#attempt = 0;
        this.#startHeartbeat(generation);
        const reconnect = this.#connections++ > 0;
        try {
          this.#onConnect?.({ from: this.#cursor, reconnect });
        } catch (error) {
          this.#finish({ error });
        }
      });
      socket.addEventListener("message", (event) => {
        if (generation === this.#generation) this.#receive(event.data);
      });
      socket.addEventListener("close", (event) => {
        if (generation === this.#generation) this.#closed(event.code, opened);
      });
      // A close event follows every error event: that is where the tail reacts.
      socket.addEventListener("error", () => {});
    } catch (error) {
      if (generation !== this.#generation) return;
      if (isTransient(error)) this.#retry(reasonOf(error), answered(error));
      else this.#finish({ error });
    }
  }

  #receive(data: unknown): void {
    this.#awaitingPong = false;
    if (typeof data === "string") {
      if (data === TAIL_PONG) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        return; // Control messages this client does not know are ignored, as the protocol says.
      }
      if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
        this.#finish({ error: errorFromBody(0, parsed, { offset: this.#cursor }) });
      }
      return;
    }
    let frame: Uint8Array;
    if (data instanceof ArrayBuffer) frame = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) {
      frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } else {
      this.#finish({ error: unexpected(0, "Unexpected tail message of an unknown kind") });
      return;
    }
    try {
      for (const record of decodeTailFrame(frame)) {
        // A tail that started at a time learns its offsets from its first record.
        const cursor = this.#cursor ?? record.offset;
        if (record.offset < cursor) continue;
        if (record.offset > cursor) {
          throw unexpected(0, `Tail skipped from offset "${cursor}" to "${record.offset}"`);
        }
        this.#buffer.push({
          offset: record.offset,
          created: new Date(record.created),
          data: record.data,
        });
        this.#buffered += record.data.byteLength + RECORD_OVERHEAD;
        this.#cursor = cursor + 1;
      }
    } catch (error) {
      this.#finish({
        error: error instanceof SyntaxError ? unexpected(0, error.message, error) : error,
      });
      return;
    }
    this.#deliver();
    if (this.#buffered >= this.#highWaterMark && this.#end === undefined) this.#pause();
  }

  #closed(code: number, opened: boolean): void {
    this.#socket = undefined;
    this.#stopHeartbeat();
    if (code === CLOSE_OUT_OF_RANGE) {
      // The error frame that comes before this close has usually ended the tail already
      // (a tail started at a time that received nothing knows no offset: 0 stands for it).
      this.#finish({ error: new OutOfRangeError(this.#cursor ?? 0) });
    } else if (code === CLOSE_LOG_DELETED) {
      this.#finish(null);
    } else if (opened) {
      // A dropped connection closes with 1006, or with 0 in Deno: no code was received.
      this.#retry(
        code === 0 || code === 1006
          ? "The connection was lost"
          : `The connection closed with code "${code}"`,
        false,
      );
    } else {
      void this.#probe();
    }
  }

  /** After a failed handshake: ends the tail if the server refuses it, else tries again. */
  async #probe(): Promise<void> {
    const generation = this.#generation;
    let error: unknown;
    try {
      error = await this.#source.probe(this.#startOf(), this.#signal);
    } catch (thrown) {
      error = thrown;
    }
    if (generation !== this.#generation || this.#end !== undefined) return;
    if (error !== undefined && !isTransient(error)) this.#finish({ error });
    else if (error === undefined) this.#retry("The WebSocket handshake failed", false);
    else this.#retry(reasonOf(error), answered(error));
  }

  /** Where the next connection starts: the cursor once known, else the time of `since`. */
  #startOf(): TailStart {
    return this.#cursor === undefined ? { since: this.#since! } : { from: this.#cursor };
  }

  /**
   * Schedules the next attempt: `minDelay` doubled with each attempt in a row, up to
   * `maxDelay` while the server answers with refusals (`refused`), else up to
   * {@linkcode UNREACHABLE_MAX_DELAY} (see there why).
   */
  #retry(reason: string, refused: boolean): void {
    this.#disconnect();
    this.#attempt++;
    const max = refused ? this.#maxDelay : Math.min(this.#maxDelay, UNREACHABLE_MAX_DELAY);
    const ceiling = Math.min(max, this.#minDelay * 2 ** (this.#attempt - 1));
    // Half fixed, half random: spread out, yet never a burst of immediate attempts.
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    try {
      this.#onReconnect?.({ attempt: this.#attempt, delay, from: this.#cursor, reason });
    } catch (error) {
      this.#finish({ error });
      return;
    }
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
  }

  #pause(): void {
    this.#disconnect();
    this.#paused = true;
  }

  #startHeartbeat(generation: number): void {
    if (this.#heartbeat === 0) return;
    this.#awaitingPong = false;
    this.#heartbeatTimer = setInterval(() => {
      if (generation !== this.#generation) return;
      if (this.#awaitingPong) {
        this.#retry(`No answer to a ping within "${this.#heartbeat}" ms`, false);
        return;
      }
      this.#awaitingPong = true;
      try {
        this.#socket?.send(TAIL_PING);
      } catch {
        // Closing already: the close event reconnects.
      }
    }, this.#heartbeat);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  /** Forgets the current connection (its later events are stale) and closes it. */
  #disconnect(): void {
    this.#generation++;
    this.#stopHeartbeat();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    try {
      socket?.close(1000);
    } catch {
      // Already closed.
    }
  }

  #take(): IteratorResult<LogRecord, undefined> {
    const record = this.#buffer[this.#head]!;
    this.#buffer[this.#head++] = undefined!;
    this.#buffered -= record.data.byteLength + RECORD_OVERHEAD;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#end === undefined && this.#buffered * 2 < this.#highWaterMark) {
      void this.#connect();
    }
    return { done: false, value: record };
  }

  #deliver(): void {
    while (this.#waiters.length > 0 && this.#head < this.#buffer.length) {
      this.#waiters.shift()!.resolve(this.#take());
    }
    if (this.#end === undefined || this.#head < this.#buffer.length) return;
    for (const waiter of this.#waiters.splice(0)) {
      if (this.#end === null) waiter.resolve({ done: true, value: undefined });
      else waiter.reject(this.#end.error);
    }
  }

  #settled(): Promise<IteratorResult<LogRecord, undefined>> {
    return this.#end === null || this.#end === undefined
      ? Promise.resolve({ done: true, value: undefined })
      : Promise.reject(this.#end.error);
  }

  /** Ends the tail once the records received so far are read: with an error, or done. */
  #finish(end: { error: unknown } | null): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#paused = false;
    this.#disconnect();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#deliver();
  }

  #abort(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#buffered = 0;
    this.#end = undefined;
    this.#finish({ error: this.#signal?.reason });
  }
}

/**
 * The `since` query parameter of a time: milliseconds since the Unix epoch as a non-negative
 * integer. Rounded up (records' times are whole milliseconds, so none is lost), and a time
 * before the epoch is 0.
 *
 * @param time A `Date`, or milliseconds since the epoch.
 * @returns The parameter's value.
 * @throws {TypeError} When `time` is neither a Date nor a number.
 * @throws {RangeError} When `time` is an invalid Date or not a finite number.
 */
export function sinceParam(time: unknown): number {
  const ms = timeMs("since", time);
  return ms <= 0 ? 0 : Math.ceil(ms);
}

/** Whether a transient failure is the server's answer (a 5xx, 408, 429), not a lost connection. */
function answered(error: unknown): boolean {
  return !(error instanceof HttpError && (error.code === "NETWORK" || error.status === 0));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function option(
  opts: TailOptions | undefined,
  name: "minDelay" | "maxDelay" | "heartbeat" | "highWaterMark",
  fallback: number,
  min: number,
): number {
  const value = opts?.[name];
  if (value === undefined) return fallback;
  assertInteger(name, value);
  if (value < min) throw new RangeError(`Expected ${name} to be at least "${min}", got "${value}"`);
  return value;
}
