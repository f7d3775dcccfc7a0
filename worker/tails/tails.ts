/**
 * The live tails of one log: hibernating WebSockets that receive every record from their
 * `from` offset, in order, exactly once (PROTOCOL.md, "Live tail").
 *
 * @module
 */
import { type Log, type LogRecord, OutOfRangeError } from "../../mod.ts";
import { encodeErrorBody, logErrorFields } from "../../src/protocol/errors.ts";
import { MAX_FRAME_BYTES, MAX_FRAME_RECORDS } from "../../src/protocol/limits.ts";
import {
  CLOSE_LOG_DELETED,
  CLOSE_LOG_DELETED_REASON,
  CLOSE_OUT_OF_RANGE,
  CLOSE_OUT_OF_RANGE_REASON,
} from "../../src/protocol/tail.ts";
import { encodeTailFrame, type WireRecord } from "../../src/protocol/wire.ts";

/** The tag of tail sockets in `ctx.acceptWebSocket` / `ctx.getWebSockets`. */
export const TAIL_TAG = "tail";
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
 * - `#live`: tails that have every committed record. They all need the same next offset,
 *   `#liveEnd`, so a commit is read and framed once and the same frames go to each of
 *   them; their attachment says `{ live: true }`.
 * - `#behind`: tails with a cursor of their own, sending history one bounded frame per
 *   turn (`#catchUp`) or waiting for a `from` in the future; their attachment holds their
 *   cursor, rewritten with every frame they are sent.
 *
 * Why that survives eviction (the reader's cursor must come back exactly):
 *
 * 1. The owner calls {@linkcode Tails.afterCommit} in the same synchronous block as each
 *    commit (the Log's scheduled commit, or `Log.flush()`), so whenever no such block runs
 *    and `#live` is not empty, `#liveEnd` is the log's end: every live tail has been
 *    sent exactly the records below the end.
 * 2. A tail joins `#live` only in a synchronous step where its cursor equals the end just
 *    read and, by (1), `#liveEnd`; it leaves by being demoted with its cursor written.
 * 3. The runtime hibernates the object only between events and with no timer pending (a
 *    catch-up waits on a timer, so an object sending history stays in memory). At that
 *    point, by (1), a `{ live: true }` tail needs exactly the log's end, and a
 *    `{ cursor }` tail needs its cursor. {@linkcode Tails.restore} rebuilds both groups
 *    from that on the next start: no gap, no duplicate. An object reset for any other
 *    reason loses its WebSockets with it (the runtime disconnects them), and those
 *    clients resume with `from = last + 1`.
 *
 * A commit that the runtime fails to make durable resets the object; its output gate
 * holds the frames sent in the block that made it, so no tail sees records that are lost.
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
  /** Recently read frames by range: tails moved out of `#live` together read them once. */
  readonly #frames = new Map<string, { frame: Uint8Array; next: number }>();

  /**
   * Creates the (empty) set of tails; call {@linkcode Tails.restore} once the log is open.
   *
   * @param ctx The object's state.
   * @param log The log (it changes when the log is reconfigured, or deleted and reopened).
   */
  constructor(ctx: DurableObjectState, log: () => Log) {
    this.#ctx = ctx;
    this.#log = log;
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
      setTimeout(() => {
        for (const ws of resume) void this.#catchUp(ws);
      }, 0);
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
   * @returns The 101 response carrying the client's end of the socket.
   */
  accept(from: number, end: number, protocol?: string): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.#ctx.acceptWebSocket(server, [TAIL_TAG]);
    if (from === end && (this.#live.size === 0 || this.#liveEnd === end)) {
      this.#join(server, end);
    } else {
      this.#setBehind(server, from);
      // Frames are sent once the 101 response is on its way: a turn later.
      if (from < end) setTimeout(() => void this.#catchUp(server), 0);
    }
    const headers: HeadersInit = protocol === undefined
      ? {}
      : { "sec-websocket-protocol": protocol };
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Sends what the last commit added to the live tails, and starts the tails waiting for
   * offsets the log has now reached. Call it in the same synchronous block as the commit.
   */
  afterCommit(): void {
    if (this.#live.size === 0 && this.#behind.size === 0) return;
    const log = this.#log();
    const { begin, end } = log.boundsSync();
    if (this.#live.size > 0 && end > this.#liveEnd) {
      const from = this.#liveEnd;
      this.#liveEnd = end;
      if (from < begin) {
        for (const ws of [...this.#live]) this.#outOfRange(ws, from);
      } else {
        const first = this.#frame(log, from, end);
        if (first.next === end) {
          for (const ws of this.#live) this.#send(ws, first.frame);
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
    for (const [ws, cursor] of this.#behind) {
      if (cursor <= end && !this.#catchingUp.has(ws)) void this.#catchUp(ws);
    }
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

  /** Closes every tail with {@linkcode CLOSE_LOG_DELETED} (the log is being deleted). */
  closeAll(): void {
    for (const ws of this.#ctx.getWebSockets(TAIL_TAG)) {
      this.forget(ws);
      try {
        ws.close(CLOSE_LOG_DELETED, CLOSE_LOG_DELETED_REASON);
      } catch {
        // Already closed.
      }
    }
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
        await new Promise((resolve) => setTimeout(resolve, 0));
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
