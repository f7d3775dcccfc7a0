/**
 * The live tails of one log: hibernating WebSockets that receive every record from their
 * `from` offset, in order, exactly once (PROTOCOL.md, "Live tail").
 *
 * @module
 */
import { type Log, type LogRecord, OutOfRangeError } from "../../mod.ts";
import { encodeErrorBody, logErrorFields } from "../../src/protocol/errors.ts";
import { MAX_FRAME_BYTES, MAX_FRAME_RECORDS } from "../../src/protocol/limits.ts";
import { CLOSE_OUT_OF_RANGE, CLOSE_OUT_OF_RANGE_REASON } from "../../src/protocol/tail.ts";
import { closeForDeletedLog } from "../close_deleted.ts";
import { encodeTailFrame, type WireRecord } from "../../src/protocol/wire.ts";

/** The tag of tail sockets in `ctx.acceptWebSocket` / `ctx.getWebSockets`. */
export const TAIL_TAG = "tail";
/**
 * The 101's header that turns permessage-deflate off for a tail (PROTOCOL.md, Live tail),
 * though the client offers it, as `ws` and browsers do. Every tail gets the same frames:
 * compressed, each would be deflated once per socket (the object's CPU, per tail and per
 * frame) and inflated by every client, which costs more than it saves on a fan-out. workerd
 * negotiates compression itself when the Worker's 101 names no extensions; when it names
 * some, workerd takes them as its answer, and one that is not permessage-deflate means no
 * compression (workerd then sends no `Sec-WebSocket-Extensions` at all: the client sees an
 * answer without extensions; test/e2e/raw_socket.test.mjs holds it to that).
 */
const NO_COMPRESSION = { "sec-websocket-extensions": "identity" } as const;
/**
 * How many live tails a fan-out sends a frame to per turn of the event loop: between these
 * chunks the object serves appends and commits them, and what they add goes out in the next
 * pass, so tails slow the appends down less and each frame carries more records.
 */
const FAN_OUT_CHUNK = 100;
/** Frames kept for tails that read the same range in the same turns (see `#frame`). */
const FRAME_CACHE_SIZE = 8;

/**
 * What a tail keeps in its socket's attachment under the key `edgelog` (other keys are
 * left alone): `{ cursor }`, the next offset it needs, while it is behind the log's end
 * or waiting for a future offset; `{ live: true }` once it has every committed record.
 */
export type TailAttachment = { cursor: number } | { live: true };

/**
 * The tails of one LogObject.
 *
 * Tails are kept in memory, in two groups, and each socket's attachment is written only
 * when its state changes, not on every record:
 *
 * - `#live`: tails that have been sent (or are being sent, by the running fan-out) every
 *   record below `#liveEnd`. They all need the same next offset, so what the commits added
 *   is read and framed once and the same frames go to each of them; their attachment says
 *   `{ live: true }`.
 * - `#behind`: tails with a cursor of their own, sending history one bounded frame per
 *   turn (`#catchUp`) or waiting for a `from` in the future; their attachment holds their
 *   cursor, rewritten with every frame they are sent.
 *
 * Live tails hear of commits in batches: {@linkcode Tails.afterCommit} only schedules a
 * fan-out for a later turn of the event loop (`#fanOut`), and the commits made before it
 * runs, or while it runs, share its frames. So the appends of a commit are acknowledged
 * without waiting for the frames of every tail to be sent, and the object goes on serving
 * appends between chunks of `FAN_OUT_CHUNK` sends; what they commit meanwhile reaches the
 * tails as one frame in the next pass, not one frame per commit. The more tails, the more
 * records each frame carries, and the less each record costs.
 *
 * Why that survives eviction (the reader's cursor must come back exactly):
 *
 * 1. The owner calls {@linkcode Tails.afterCommit} in the same synchronous block as each
 *    commit (the Log's scheduled commit, or `Log.flush()`), which schedules a fan-out
 *    unless one is pending; the fan-out reads the log's end and sends `[#liveEnd, end)`,
 *    in passes until a pass finds nothing new. So whenever no fan-out is pending and
 *    `#live` is not empty, `#liveEnd` is the log's end: every live tail has been sent
 *    exactly the records below the end.
 * 2. A tail joins `#live` only in a synchronous step where its cursor equals the end just
 *    read and `#liveEnd` (or `#live` is empty); it leaves by being demoted with its cursor
 *    written.
 * 3. The runtime hibernates the object only between events and with no timer pending (a
 *    pending fan-out, one between two chunks, and a catch-up all wait on a timer, so an
 *    object with frames to send stays in memory). At that point, by (1), a
 *    `{ live: true }` tail needs exactly the log's end, and a `{ cursor }` tail needs its
 *    cursor. {@linkcode Tails.restore} rebuilds both groups from that on the next start:
 *    no gap, no duplicate. An object reset for any other reason loses its WebSockets with
 *    it (the runtime disconnects them), and those clients resume with `from = last + 1`.
 *
 * A commit that the runtime fails to make durable resets the object; its output gate
 * holds every message sent after the write until the write is durable, so no tail sees
 * records that are lost.
 */
export class Tails {
  readonly #ctx: DurableObjectState;
  readonly #log: () => Log;
  /** Tails that have every committed record; each needs `#liveEnd` next. */
  readonly #live = new Set<WebSocket>();
  /** The next offset every live tail needs. */
  #liveEnd = 0;
  /** Tails with their own next offset: sending history, or waiting for it to be written. */
  readonly #behind = new Map<WebSocket, number>();
  /** Tails in `#behind` whose catch-up loop is running. */
  readonly #catchingUp = new Set<WebSocket>();
  /** Whether a fan-out to the live tails is scheduled or running (`#fanOut`). */
  #fanOutPending = false;
  /** Recently read frames by range: tails moved out of `#live` together read them once. */
  readonly #frames = new Map<string, { frame: Uint8Array; next: number }>();
  /** Runs a callback on a later turn: the object's counted `setTimeout(fn, 0)`. */
  readonly #later: (fn: () => void) => void;

  /**
   * Creates the (empty) set of tails; call {@linkcode Tails.restore} once the log is open.
   *
   * @param ctx The object's state.
   * @param log The log (it changes when the log is reconfigured, or deleted and reopened).
   * @param later Runs a callback on a later turn (by default `setTimeout(fn, 0)`).
   */
  constructor(
    ctx: DurableObjectState,
    log: () => Log,
    later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
  ) {
    this.#ctx = ctx;
    this.#log = log;
    this.#later = later;
  }

  /** Lets the other events of the object run. */
  #nextTurn(): Promise<void> {
    return new Promise((resolve) => this.#later(resolve));
  }

  /**
   * Rebuilds the in-memory state from the sockets' attachments: after the object was
   * evicted, its constructor runs again with its hibernated sockets still connected.
   * Tails with history to send resume sending it.
   *
   * @param end The journal's end.
   */
  restore(end: number): void {
    this.#live.clear();
    this.#behind.clear();
    this.#catchingUp.clear();
    this.#frames.clear();
    this.#fanOutPending = false;
    this.#liveEnd = end;
    const resume: WebSocket[] = [];
    for (const ws of this.#ctx.getWebSockets(TAIL_TAG)) {
      const state = attachmentOf(ws);
      if (state === undefined) continue;
      if ("live" in state) this.#live.add(ws);
      else if (state.cursor === end) this.#join(ws, end);
      else {
        this.#behind.set(ws, state.cursor);
        if (state.cursor < end) resume.push(ws);
      }
    }
    if (resume.length > 0) {
      this.#later(() => {
        for (const ws of resume) void this.#catchUp(ws);
      });
    }
  }

  /** How many tails are connected, hibernated ones included. */
  get count(): number {
    return this.#ctx.getWebSockets(TAIL_TAG).length;
  }

  /**
   * Accepts a new tail that needs the records from `from` on.
   *
   * @param from The first offset the tail needs.
   * @param end The journal's end.
   * @param protocol The subprotocol to select, one the client offered.
   * @param tags More tags of the socket (the Worker's waiting sockets of `/v1/stream/`).
   * @param extraHeaders More headers of the 101 response (a waiting socket's stream state).
   * @returns The 101 response carrying the client's end of the socket.
   */
  accept(
    from: number,
    end: number,
    protocol?: string,
    tags: readonly string[] = [],
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.#ctx.acceptWebSocket(server, [TAIL_TAG, ...tags]);
    if (from === end && (this.#live.size === 0 || this.#liveEnd === end)) {
      this.#join(server, end);
    } else {
      this.#setBehind(server, from);
      // Frames are sent once the 101 response is on its way: a turn later.
      if (from < end) this.#later(() => void this.#catchUp(server));
    }
    const headers: Record<string, string> = { ...extraHeaders, ...NO_COMPRESSION };
    if (protocol !== undefined) headers["sec-websocket-protocol"] = protocol;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Schedules the sending of what the commits added to the live tails, and the start of
   * the tails waiting for offsets the log has now reached: once for all the commits made
   * until the fan-out runs, or while it runs. Call it in the same synchronous block as
   * each commit.
   */
  afterCommit(): void {
    if (this.#fanOutPending) return;
    if (this.#live.size === 0 && this.#behind.size === 0) return;
    this.#fanOutPending = true;
    this.#later(() => void this.#fanOut());
  }

  /**
   * Sends the live tails what was committed since they were last sent anything, in passes
   * until a pass finds nothing new (the commits made during one pass go out in the next).
   */
  async #fanOut(): Promise<void> {
    try {
      while (await this.#fanOutPass());
    } catch (error) {
      // The log was deleted or could not be read: its tails are closed or will be.
      console.error(error);
    } finally {
      this.#fanOutPending = false;
    }
  }

  /**
   * Sends `[#liveEnd, end)` to the live tails, the same frame to each, `FAN_OUT_CHUNK`
   * sockets per turn of the event loop, and starts the tails waiting for offsets the log
   * has reached.
   *
   * @returns Whether it let other events run (more may have been committed meanwhile).
   */
  async #fanOutPass(): Promise<boolean> {
    if (this.#live.size === 0 && this.#behind.size === 0) return false;
    const log = this.#log();
    const { begin, end } = log.boundsSync();
    let yielded = false;
    if (this.#live.size > 0 && end > this.#liveEnd) {
      const from = this.#liveEnd;
      this.#liveEnd = end;
      if (from < begin) {
        for (const ws of [...this.#live]) this.#outOfRange(ws, from);
      } else {
        const first = this.#frame(log, from, end);
        if (first.next === end) {
          // The tails live now. One that joins meanwhile needs `end` on, not this frame;
          // one that closes meanwhile makes its send fail, which forgets it.
          const recipients = [...this.#live];
          for (let i = 0; i < recipients.length; i += FAN_OUT_CHUNK) {
            if (i > 0) {
              await this.#nextTurn();
              yielded = true;
            }
            const last = Math.min(recipients.length, i + FAN_OUT_CHUNK);
            for (let k = i; k < last; k++) this.#send(recipients[k]!, first.frame);
          }
        } else {
          // More than one frame: each tail takes them one per turn, as history, so that a
          // large commit is not queued on every socket at once. They move in step, so
          // the frame cache reads each range once for all of them.
          const moving = [...this.#live];
          this.#live.clear();
          for (const ws of moving) this.#setBehind(ws, from);
          for (const ws of moving) void this.#catchUp(ws);
        }
      }
    } else if (this.#live.size === 0) {
      this.#liveEnd = end;
    }
    // Closed meanwhile (the log deleted): no log to read, none waiting.
    if (this.#behind.size === 0) return yielded;
    const reached = this.#log().boundsSync().end;
    for (const [ws, cursor] of this.#behind) {
      if (cursor <= reached && !this.#catchingUp.has(ws)) void this.#catchUp(ws);
    }
    return yielded;
  }

  /**
   * Forgets a tail whose socket closed or failed.
   *
   * @param ws The socket.
   */
  forget(ws: WebSocket): void {
    this.#live.delete(ws);
    this.#behind.delete(ws);
    this.#catchingUp.delete(ws);
  }

  /** Closes every tail with `CLOSE_LOG_DELETED` (the log is being deleted). */
  closeAll(): void {
    closeForDeletedLog(this.#ctx.getWebSockets(TAIL_TAG), (ws) => this.forget(ws));
    this.#live.clear();
    this.#behind.clear();
    this.#frames.clear();
  }

  /**
   * Sends history to `ws` from its cursor, one bounded frame per turn of the event loop,
   * until it reaches the end. The check "cursor at the end" and joining `#live` happen in
   * one synchronous step, so the next commit reaches the socket with no gap and no
   * duplicate.
   */
  async #catchUp(ws: WebSocket): Promise<void> {
    if (this.#catchingUp.has(ws)) return;
    this.#catchingUp.add(ws);
    try {
      for (;;) {
        const cursor = this.#behind.get(ws);
        if (cursor === undefined) return;
        const log = this.#log();
        const { begin, end } = log.boundsSync();
        if (cursor < begin) {
          this.#outOfRange(ws, cursor);
          return;
        }
        if (cursor >= end) {
          // At the end: live from now on. Past it: wait for the commit that reaches it.
          if (cursor === end && (this.#live.size === 0 || this.#liveEnd === end)) {
            this.#join(ws, end);
          }
          return;
        }
        const { frame, next } = this.#frame(log, cursor, end);
        ws.send(frame);
        this.#setBehind(ws, next);
        await this.#nextTurn();
      }
    } catch {
      // The socket closed under us (send throws) or the log was deleted: stop.
      this.forget(ws);
    } finally {
      this.#catchingUp.delete(ws);
    }
  }

  /** Moves a tail whose next offset is `end`, the log's end, into `#live`. */
  #join(ws: WebSocket, end: number): void {
    this.#behind.delete(ws);
    if (this.#live.size === 0) this.#liveEnd = end;
    this.#live.add(ws);
    writeAttachment(ws, { live: true });
  }

  #setBehind(ws: WebSocket, cursor: number): void {
    this.#behind.set(ws, cursor);
    writeAttachment(ws, { cursor });
  }

  #send(ws: WebSocket, frame: Uint8Array): void {
    try {
      ws.send(frame);
    } catch {
      // Closed meanwhile: webSocketClose may not come for it any more.
      this.forget(ws);
    }
  }

  #outOfRange(ws: WebSocket, cursor: number): void {
    this.forget(ws);
    const error = new OutOfRangeError(cursor);
    try {
      // The error frame is the error body an HTTP read of the same offset gets.
      ws.send(encodeErrorBody(error.code, error.message, logErrorFields(error)));
      ws.close(CLOSE_OUT_OF_RANGE, CLOSE_OUT_OF_RANGE_REASON);
    } catch {
      // Already closed.
    }
  }

  /**
   * One bounded frame of `[cursor, end)` from `cursor`. Records never change once
   * written (truncation only removes them, and is checked against `begin` before this),
   * so a frame read for one tail is valid for every tail at the same cursor; the cache is
   * emptied when the log is deleted (`closeAll`, `restore`).
   */
  #frame(log: Log, cursor: number, end: number): { frame: Uint8Array; next: number } {
    const key = `${cursor}:${end}`;
    let found = this.#frames.get(key);
    if (found === undefined) {
      found = readFrame(log, cursor, end);
      if (this.#frames.size >= FRAME_CACHE_SIZE) {
        this.#frames.delete(this.#frames.keys().next().value!);
      }
      this.#frames.set(key, found);
    }
    return found;
  }
}

/** Reads one bounded tail frame of the records in `[cursor, end)` starting at `cursor`. */
function readFrame(log: Log, cursor: number, end: number): { frame: Uint8Array; next: number } {
  const batch = new Array<LogRecord>(Math.min(MAX_FRAME_RECORDS, end - cursor));
  const count = log.readBatchSync(cursor, batch, { maxBytes: MAX_FRAME_BYTES });
  const records = new Array<WireRecord>(count);
  for (let i = 0; i < count; i++) {
    const { offset, created, data } = batch[i]!;
    records[i] = { offset, created: created.getTime(), data };
  }
  return { frame: encodeTailFrame(records), next: cursor + count };
}

function attachmentOf(ws: WebSocket): TailAttachment | undefined {
  const attachment = ws.deserializeAttachment() as { edgelog?: unknown } | null;
  const state = attachment?.edgelog as Partial<{ cursor: unknown; live: unknown }> | undefined;
  if (state?.live === true) return { live: true };
  return typeof state?.cursor === "number" ? { cursor: state.cursor } : undefined;
}

function writeAttachment(ws: WebSocket, state: TailAttachment): void {
  const previous = ws.deserializeAttachment() as Record<string, unknown> | null;
  ws.serializeAttachment({ ...(previous ?? {}), edgelog: state });
}
