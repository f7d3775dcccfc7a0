/**
 * The append sessions of one log (PROTOCOL.md, Append session): hibernating WebSockets on
 * which a writer pipelines appends and gets each one's answer, in order, after its commit.
 *
 * @module
 */
import type { Appended, Log } from "../../mod.ts";
import { assertProducer, type Producer } from "../../src/core/producer.ts";
import { encodeErrorBody } from "../../src/protocol/errors.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../../src/protocol/limits.ts";
import {
  appendEntrySize,
  type ClientEntry,
  CLOSE_SESSION_ERROR,
  CLOSE_SESSION_ERROR_REASON,
  decodeClientMessage,
  encodeServerEntries,
  inFlightMessage,
  MAX_SESSION_IN_FLIGHT_APPENDS,
  MAX_SESSION_IN_FLIGHT_BYTES,
  MAX_SESSION_MESSAGES_AHEAD,
  NO_PRODUCER_ID_MESSAGE,
  repeatedMessageMessage,
  type ServerEntry,
  SESSION_LIMITS,
  TEXT_MESSAGE_MESSAGE,
  tooFarAheadMessage,
} from "../../src/protocol/session.ts";
import { closeForDeletedLog } from "../close_deleted.ts";
import {
  batchBodySize,
  batchTooLargeMessage,
  tooManyBatchRecords,
} from "../../src/protocol/wire.ts";
import { ApiError, errorBodyOf } from "../http.ts";
import { type AckStore, ProducerAcks } from "./producer_acks.ts";

/** The tag of session sockets in `ctx.acceptWebSocket` / `ctx.getWebSockets`. */
export const SESSION_TAG = "session";

/**
 * What a session keeps in its socket's attachment under the key `edgelog`: the producer id
 * its `PRODUCER` entry named and the number of the next message it takes, so that both
 * outlive the object's eviction. Nothing else needs to: the object is evicted only between
 * events with no commit pending, so with every append of the session answered.
 */
export type SessionAttachment = { session: { producer?: string; next: number } };

/** What a session needs from its object. */
export interface SessionHost {
  /** The open Log. */
  log(): Log;
  /** Counts an append handed to the Log, so that the group commit waits for it to join. */
  appending(): void;
}

/** An append (or the session's error) waiting for its turn to be answered. */
interface Slot {
  answer: ServerEntry | undefined;
  /** The bytes it counts in flight. */
  size: number;
}

/** One session's state in memory: rebuilt from the attachment after an eviction. */
interface SessionState {
  producerId: string | undefined;
  /** The number of the next message to take. */
  next: number;
  /** Messages that arrived before one they follow, by number. */
  early: Map<number, { entries: ClientEntry[]; bytes: number }>;
  /** Their bytes. */
  earlyBytes: number;
  /** Answers not yet sent, in the order of the appends. */
  slots: Slot[];
  inFlightBytes: number;
  inFlightAppends: number;
  /** A session error is queued: what the client sends from now on is ignored. */
  broken: boolean;
  pumping: boolean;
}

/**
 * The append sessions of one LogObject.
 *
 * Every append goes to the Log in the order it arrived (single records with `write`, batches
 * with `writeBatch`, each with the session's producer when it names one), so the object's
 * group commit gathers the appends of many messages and sessions into one commit. Answers
 * are queued per session in the same order and sent as soon as the ones before them are:
 * an append refused at once waits for the earlier ones' commit, and one message carries
 * the answers of everything a commit settled. Nothing is acknowledged before its commit
 * (the Log settles an append only after it), and the runtime's output gate holds the
 * message until the commit is durable.
 */
export class Sessions {
  readonly #ctx: DurableObjectState;
  readonly #host: SessionHost;
  readonly #states = new Map<WebSocket, SessionState>();
  readonly #acks: ProducerAcks;
  readonly #later: (fn: () => void) => void;

  /**
   * @param ctx The object's state.
   * @param host The object's Log and group commit.
   * @param later Runs a callback on a later turn (by default `setTimeout(fn, 0)`).
   * @param acks Where the producers' answers are kept (by default `ctx.storage.kv`).
   */
  constructor(
    ctx: DurableObjectState,
    host: SessionHost,
    later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
    acks: AckStore = ctx.storage.kv,
  ) {
    this.#ctx = ctx;
    this.#host = host;
    this.#later = later;
    this.#acks = new ProducerAcks(acks);
  }

  /**
   * Accepts a new session and, a turn later, sends it the `HELLO` with its limits.
   *
   * @param maxRecordSize The log's largest record, announced in the `HELLO`.
   * @param protocol The subprotocol to select, one the client offered.
   * @returns The 101 response carrying the client's end of the socket.
   */
  accept(maxRecordSize: number, protocol?: string): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.#ctx.acceptWebSocket(server, [SESSION_TAG]);
    const attachment: SessionAttachment = { session: { next: 0 } };
    server.serializeAttachment({ edgelog: attachment });
    this.#states.set(server, newState(undefined, 0));
    const hello = encodeServerEntries([
      { kind: "hello", limits: { ...SESSION_LIMITS, maxRecordSize } },
    ]);
    // Once the 101 response is on its way.
    this.#later(() => send(server, hello));
    const headers: HeadersInit = protocol === undefined
      ? {}
      : { "sec-websocket-protocol": protocol };
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Whether a socket is a session's (not a tail's).
   *
   * @param ws The socket.
   * @returns `true` for a session socket.
   */
  has(ws: WebSocket): boolean {
    return this.#states.has(ws) || this.#ctx.getTags(ws).includes(SESSION_TAG);
  }

  /**
   * Handles one message of a session: its appends go to the Log in order, after those of
   * the messages numbered before it.
   *
   * @param ws The session's socket.
   * @param message The message.
   */
  message(ws: WebSocket, message: string | ArrayBuffer): void {
    const state = this.#stateOf(ws);
    if (state.broken) return;
    if (typeof message === "string") {
      return this.#fail(ws, state, new ApiError("BAD_REQUEST", TEXT_MESSAGE_MESSAGE));
    }
    let decoded: { number: number; entries: ClientEntry[] };
    try {
      decoded = decodeClientMessage(new Uint8Array(message));
    } catch (error) {
      return this.#fail(ws, state, new ApiError("BAD_REQUEST", (error as Error).message));
    }
    const { number } = decoded;
    if (number < state.next || state.early.has(number)) {
      return this.#fail(ws, state, new ApiError("BAD_REQUEST", repeatedMessageMessage(number)));
    }
    if (number > state.next) {
      state.earlyBytes += message.byteLength;
      if (
        number > state.next + MAX_SESSION_MESSAGES_AHEAD ||
        state.inFlightBytes + state.earlyBytes > MAX_SESSION_IN_FLIGHT_BYTES
      ) {
        return this.#fail(
          ws,
          state,
          new ApiError("BAD_REQUEST", tooFarAheadMessage(number, state.next)),
        );
      }
      state.early.set(number, { entries: decoded.entries, bytes: message.byteLength });
      return;
    }
    let entries: ClientEntry[] | undefined = decoded.entries;
    while (entries !== undefined) {
      if (!this.#take(ws, state, entries)) return;
      state.next++;
      const early = state.early.get(state.next);
      entries = early?.entries;
      if (early !== undefined) {
        state.early.delete(state.next);
        state.earlyBytes -= early.bytes;
      }
    }
    writeAttachment(ws, state);
  }

  /** Takes the entries of the next message; `false` when they ended the session. */
  #take(ws: WebSocket, state: SessionState, entries: ClientEntry[]): boolean {
    let appends = state.inFlightAppends;
    let bytes = state.inFlightBytes;
    for (const entry of entries) {
      if (entry.kind === "producer") continue;
      appends++;
      bytes += appendEntrySize(entry);
    }
    if (appends > MAX_SESSION_IN_FLIGHT_APPENDS || bytes > MAX_SESSION_IN_FLIGHT_BYTES) {
      this.#fail(ws, state, new ApiError("REQUEST_TOO_LARGE", inFlightMessage(appends, bytes)));
      return false;
    }
    for (const entry of entries) {
      if (entry.kind === "producer") {
        try {
          assertProducer({ id: entry.id, epoch: 0, seq: 0 });
        } catch (error) {
          this.#fail(ws, state, new ApiError("BAD_REQUEST", (error as Error).message));
          return false;
        }
        state.producerId = entry.id;
        continue;
      }
      this.#append(ws, state, entry);
    }
    return true;
  }

  /**
   * Forgets a session whose socket closed or failed.
   *
   * @param ws The socket.
   */
  forget(ws: WebSocket): void {
    this.#states.delete(ws);
  }

  /** Closes every session with `LOG_DELETED` and forgets the producers' writes. */
  closeAll(): void {
    closeForDeletedLog(this.#ctx.getWebSockets(SESSION_TAG), (ws) => this.forget(ws));
    this.#acks.clear();
  }

  #stateOf(ws: WebSocket): SessionState {
    let state = this.#states.get(ws);
    if (state === undefined) {
      // After an eviction: the producer id and the next number come from the attachment.
      const { producer, next } = attachmentOf(ws);
      state = newState(producer, next);
      this.#states.set(ws, state);
    }
    return state;
  }

  /** Hands one append to the Log; its answer takes the next slot. */
  #append(
    ws: WebSocket,
    state: SessionState,
    entry: Exclude<ClientEntry, { kind: "producer" }>,
  ): void {
    const slot: Slot = { answer: undefined, size: appendEntrySize(entry) };
    state.slots.push(slot);
    state.inFlightAppends++;
    state.inFlightBytes += slot.size;
    const settle = (answer: ServerEntry) => {
      slot.answer = answer;
      this.#schedulePump(ws, state);
    };
    const failed = (error: unknown) => {
      const { code, message, fields } = errorBodyOf(
        error,
        () => this.#host.log().boundsSync().end,
      );
      settle({ kind: "error", body: encodeErrorBody(code, message, fields) });
    };
    let producer: Producer | undefined;
    try {
      if (entry.producer !== undefined) {
        if (state.producerId === undefined) {
          throw new ApiError("BAD_REQUEST", NO_PRODUCER_ID_MESSAGE);
        }
        producer = { id: state.producerId, ...entry.producer };
        assertProducer(producer);
      }
      if (entry.kind === "batch") checkBatch(entry.records);
    } catch (error) {
      return failed(error);
    }
    const log = this.#host.log();
    this.#host.appending();
    const count = entry.kind === "record" ? 1 : entry.records.length;
    if (producer === undefined) {
      const written = entry.kind === "record"
        ? log.write(entry.data)
        : log.writeBatch(entry.records);
      written.then(
        (offset) => settle({ kind: "ack", offset, count, duplicate: false }),
        failed,
      );
      return;
    }
    const options = { producer };
    const written: Promise<Appended> = entry.kind === "record"
      ? log.write(entry.data, options)
      : log.writeBatch(entry.records, options);
    const { id, epoch, seq } = producer;
    written.then((appended) => {
      if (!appended.duplicate) this.#acks.written(id, epoch, seq, appended.offset, appended.count);
      else if (appended.offset === -1) {
        const found = this.#acks.find(id, epoch, seq);
        if (found !== undefined) return settle({ kind: "ack", ...found, duplicate: true });
      }
      settle({ kind: "ack", ...appended });
    }, failed);
  }

  /** Ends a session: its earlier appends are answered first, then the error, then the close. */
  #fail(ws: WebSocket, state: SessionState, error: ApiError): void {
    state.broken = true;
    state.slots.push({
      answer: { kind: "sessionError", body: encodeErrorBody(error.code, error.message) },
      size: 0,
    });
    this.#schedulePump(ws, state);
  }

  /**
   * Sends the answers that are due, once the appends settled in this turn all are: the Log
   * settles a commit's appends one after another, in one run of microtasks.
   */
  #schedulePump(ws: WebSocket, state: SessionState): void {
    if (state.pumping) return;
    state.pumping = true;
    queueMicrotask(() => {
      state.pumping = false;
      this.#pump(ws, state);
    });
  }

  #pump(ws: WebSocket, state: SessionState): void {
    const slots = state.slots;
    let ready = 0;
    while (ready < slots.length && slots[ready]!.answer !== undefined) ready++;
    if (ready === 0) return;
    const answers = new Array<ServerEntry>(ready);
    let closing = false;
    for (let i = 0; i < ready; i++) {
      const slot = slots[i]!;
      answers[i] = slot.answer!;
      if (slot.answer!.kind === "sessionError") closing = true;
      else {
        state.inFlightAppends--;
        state.inFlightBytes -= slot.size;
      }
    }
    slots.splice(0, ready);
    // In the same turn as the answers: the output gate holds them until this is durable.
    this.#acks.save();
    send(ws, encodeServerEntries(answers));
    if (closing) {
      // The state stays (broken) until the close arrives: messages already on their way
      // are ignored, not taken for a new session's.
      try {
        ws.close(CLOSE_SESSION_ERROR, CLOSE_SESSION_ERROR_REASON);
      } catch {
        // Already closed.
      }
    }
  }
}

function newState(producerId: string | undefined, next: number): SessionState {
  return {
    producerId,
    next,
    early: new Map(),
    earlyBytes: 0,
    slots: [],
    inFlightBytes: 0,
    inFlightAppends: 0,
    broken: false,
    pumping: false,
  };
}

/** A batch entry within the batch limits of `POST /batch`: else `REQUEST_TOO_LARGE`. */
function checkBatch(records: readonly Uint8Array[]): void {
  if (records.length > MAX_BATCH_RECORDS) {
    throw new ApiError(
      "REQUEST_TOO_LARGE",
      tooManyBatchRecords(MAX_BATCH_RECORDS, records.length).message,
    );
  }
  const size = batchBodySize(records);
  if (size > MAX_BATCH_BYTES) {
    throw new ApiError("REQUEST_TOO_LARGE", batchTooLargeMessage(MAX_BATCH_BYTES, size));
  }
}

function send(ws: WebSocket, message: Uint8Array): void {
  try {
    ws.send(message);
  } catch {
    // Closed meanwhile: the writer resends what it had no answer for.
  }
}

function attachmentOf(ws: WebSocket): { producer: string | undefined; next: number } {
  const attachment = ws.deserializeAttachment() as { edgelog?: unknown } | null;
  const state = attachment?.edgelog as Partial<SessionAttachment> | undefined;
  const producer = state?.session?.producer;
  const next = state?.session?.next;
  return {
    producer: typeof producer === "string" ? producer : undefined,
    next: typeof next === "number" ? next : 0,
  };
}

function writeAttachment(ws: WebSocket, state: SessionState): void {
  const previous = ws.deserializeAttachment() as Record<string, unknown> | null;
  const session: SessionAttachment = {
    session: state.producerId === undefined
      ? { next: state.next }
      : { producer: state.producerId, next: state.next },
  };
  ws.serializeAttachment({ ...(previous ?? {}), edgelog: session });
}
