/**
 * The LogObject's side of the Durable Streams protocol: the route `/stream` of a log, which
 * the Worker reaches for `/v1/stream/{name}` (PROTOCOL.md, Durable Streams). Create (PUT),
 * append and close (POST), catch-up reads (GET), metadata (HEAD) and DELETE are answered
 * here over the log's own Log, producers and storage; live reads are held by the Worker
 * (`./live.ts`), which waits on a hibernating tail socket that this route accepts (GET with
 * a WebSocket upgrade).
 *
 * @module
 */
import {
  type Appended,
  type Log,
  type LogRecord,
  type Producer,
  ProducerSeqGapError,
  type ProducerState,
  RecordTooLargeError,
} from "../../mod.ts";
import { decideProducerWrite } from "../../src/core/producer.ts";
import { MAX_BATCH_BYTES, MAX_READ_BYTES, MAX_READ_LIMIT } from "../../src/protocol/limits.ts";
import { producerAnswerHeaders, readProducerHeaders } from "../../src/protocol/producer.ts";
import {
  CROSS_ORIGIN_RESOURCE_POLICY,
  isJsonMode,
  LIVE_PARAM,
  OFFSET_PARAM,
  STREAM_CLOSED_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_FORKED_FROM_HEADER,
  STREAM_NEXT_OFFSET_HEADER,
  STREAM_SEQ_HEADER,
  STREAM_TTL_HEADER,
  STREAM_UP_TO_DATE_HEADER,
  streamMediaType,
} from "../../src/protocol/streams/headers.ts";
import { jsonRecords, streamReadBody } from "../../src/protocol/streams/json_mode.ts";
import { STREAM_WAIT_TAG } from "../../src/protocol/streams/live.ts";
import { decodeStreamOffset, encodeStreamOffset } from "../../src/protocol/streams/offset.ts";
import { expiryOf, readStreamSettings, sameSettings } from "../../src/protocol/streams/settings.ts";
import { ApiError, isWebSocketUpgrade, readBody } from "../http.ts";
import type { LogHost, RouteContext } from "../routes/host.ts";
import type { StreamState, StreamStore } from "./stream_store.ts";

/** What the stream routes need of the LogObject beside the log. */
export interface StreamHost {
  /** The stream row. */
  store(): StreamStore;
  /** Closes the Worker's waiting sockets: the stream was closed, their readers must know. */
  wakeWaiters(): void;
}

/** Headers on every answer of a stream route. */
const BASE_HEADERS = { "cross-origin-resource-policy": CROSS_ORIGIN_RESOURCE_POLICY } as const;

/** `Cache-Control` of answers that must never be cached (HEAD, the tail, `now`). */
const NO_STORE = "no-store";
/**
 * `Cache-Control` of a catch-up read that does not reach the tail: its bytes never change,
 * but a stream is a tenant's data, so only the caller's own cache keeps it.
 */
const CATCH_UP_CACHE = "private, max-age=60, stale-while-revalidate=300";

/**
 * The stream of the log, unless it expired: an expired stream is deleted here, on the first
 * request that finds it expired (no timer keeps an object awake for it).
 */
async function liveState(host: LogHost): Promise<StreamState | undefined> {
  const state = host.stream.store().read();
  if (state === undefined) return undefined;
  if (expiryOf(state, state.lastUsed) <= Date.now()) {
    await host.delete();
    host.stream.store().reset();
    return undefined;
  }
  return state;
}

/** The state of an existing stream, or a 404. */
async function existing(host: LogHost, name: string): Promise<StreamState> {
  const state = await liveState(host);
  if (state === undefined) throw new ApiError("STREAM_NOT_FOUND", `No stream "${name}"`);
  return state;
}

/** The stream's name, for messages: the log's path before `/stream`. */
function nameOf(c: RouteContext): string {
  const path = new URL(c.req.url).pathname;
  return decodeURIComponent(path.replace(/^\/logs\//, "").replace(/\/stream$/, ""));
}

/** Records a read or write of a stream with a TTL (its sliding window). */
function touch(host: LogHost, state: StreamState): void {
  if (state.ttlSeconds === null) return;
  host.stream.store().write({ ...state, lastUsed: Date.now() });
}

/** The request body, up to a batch's size. */
function bodyOf(c: RouteContext): Promise<Uint8Array> {
  return readBody(
    c.req.raw,
    MAX_BATCH_BYTES,
    (size) => new RecordTooLargeError(size, MAX_BATCH_BYTES),
  );
}

/** The records of an append's body in the stream's mode. */
function recordsOf(state: { contentType: string }, body: Uint8Array, create: boolean) {
  if (body.byteLength === 0) return [];
  if (!isJsonMode(state.contentType)) return [body];
  try {
    return jsonRecords(body, create);
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof RangeError) {
      throw new ApiError("BAD_REQUEST", error.message);
    }
    throw error;
  }
}

/** PUT: creates the stream (201), or finds it created with the same settings (200). */
export async function createStream(c: RouteContext): Promise<Response> {
  const host = c.env;
  // A RangeError here is answered 400, as every invalid input is (errorResponse).
  const { settings, closed } = readStreamSettings(c.req.raw.headers);
  if (c.req.raw.headers.has(STREAM_FORKED_FROM_HEADER)) {
    throw new ApiError("BAD_REQUEST", "This server has no forks (PROTOCOL.md, Durable Streams)");
  }
  const body = await bodyOf(c);
  const found = await liveState(host);
  const log = host.log();
  if (found !== undefined) {
    if (!sameSettings(found, settings) || found.closed !== closed) {
      throw new ApiError(
        "STREAM_CONFLICT",
        `The stream "${nameOf(c)}" exists with other settings`,
      );
    }
    return new Response(null, {
      status: 200,
      headers: stateHeaders(found, log.boundsSync().end),
    });
  }
  const records = recordsOf(settings, body, true);
  const state: StreamState = {
    ...settings,
    closed,
    lastSeq: null,
    lastUsed: Date.now(),
    generation: crypto.randomUUID(),
  };
  host.stream.store().write(state);
  let end = log.boundsSync().end;
  if (records.length > 0) {
    host.appending();
    end = await log.writeBatch(records) + records.length;
  }
  const headers = stateHeaders(state, end);
  return new Response(null, { status: 201, headers });
}

/** The headers that describe a stream: type, tail, closed, TTL or expiry. */
function stateHeaders(state: StreamState, end: number): Record<string, string> {
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    "content-type": state.contentType,
    [STREAM_NEXT_OFFSET_HEADER]: encodeStreamOffset(end),
  };
  if (state.closed) headers[STREAM_CLOSED_HEADER] = "true";
  return headers;
}

/** POST: appends the body's records (JSON mode: an array's items), or closes the stream. */
export async function appendStream(c: RouteContext): Promise<Response> {
  const host = c.env;
  const request = c.req.raw;
  const headers = request.headers;
  const producer = readProducerHeaders(headers);
  const close = headers.get(STREAM_CLOSED_HEADER) === "true";
  const body = await bodyOf(c);
  const state = await existing(host, nameOf(c));
  const log = host.log();
  const producerHeaders = producer === undefined ? {} : producerAnswerHeaders(producer, false);
  if (body.byteLength === 0) {
    if (!close) throw new ApiError("BAD_REQUEST", "An append needs a body");
    // A close names no records, so it moves no producer; a fenced-off producer may not close.
    if (producer !== undefined) decideProducer(log, producer);
    host.stream.store().write({
      ...state,
      closed: true,
      lastUsed: state.ttlSeconds === null ? state.lastUsed : Date.now(),
    });
    host.stream.wakeWaiters();
    return new Response(null, {
      status: 204,
      headers: {
        ...BASE_HEADERS,
        ...producerHeaders,
        [STREAM_NEXT_OFFSET_HEADER]: encodeStreamOffset(log.boundsSync().end),
        [STREAM_CLOSED_HEADER]: "true",
      },
    });
  }
  const contentType = headers.get("content-type");
  if (contentType === null) {
    throw new ApiError("BAD_REQUEST", "An append needs a Content-Type");
  }
  if (streamMediaType(contentType) !== streamMediaType(state.contentType)) {
    throw new ApiError(
      "STREAM_CONFLICT",
      `The stream holds "${state.contentType}", not "${contentType}"`,
    );
  }
  // A producer's retry is answered before any other check: it was accepted before, also when
  // the stream was closed or a Stream-Seq moved on since.
  if (producer !== undefined && decideProducer(log, producer) !== "write") {
    return duplicateAnswer(log, producer, state.closed);
  }
  if (state.closed) throw closedError(log.boundsSync().end);
  const seq = headers.get(STREAM_SEQ_HEADER);
  if (seq !== null && state.lastSeq !== null && seq <= state.lastSeq) {
    throw new ApiError(
      "STREAM_CONFLICT",
      `${STREAM_SEQ_HEADER} "${seq}" does not sort after "${state.lastSeq}"`,
    );
  }
  const records = recordsOf(state, body, false);
  // Written before the records commit, so that appends behind this one see the new seq and
  // the closed flag at once; an append that changes neither (and renews no TTL) writes no row.
  if (seq !== null || close || state.ttlSeconds !== null) {
    host.stream.store().write({
      ...state,
      lastSeq: seq ?? state.lastSeq,
      closed: close,
      lastUsed: state.ttlSeconds === null ? state.lastUsed : Date.now(),
    });
  }
  host.appending();
  let appended: Appended;
  if (producer === undefined) {
    appended = { offset: await log.writeBatch(records), count: records.length, duplicate: false };
  } else {
    appended = await log.writeBatch(records, { producer });
  }
  if (close) host.stream.wakeWaiters();
  const answer: Record<string, string> = { ...BASE_HEADERS, ...producerHeaders };
  if (close) answer[STREAM_CLOSED_HEADER] = "true";
  if (appended.duplicate) return duplicateAnswer(log, producer!, close);
  answer[STREAM_NEXT_OFFSET_HEADER] = encodeStreamOffset(appended.offset + appended.count);
  return new Response(null, { status: producer === undefined ? 204 : 200, headers: answer });
}

/**
 * The decision on a producer's next write, as the Log will make it (the core's one rule):
 * `"write"`, or the state of the write it repeats. A new epoch that does not start at 0 is
 * a 400 here (the Durable Streams protocol's answer), where the edgelog API answers 409.
 */
function decideProducer(log: Log, producer: Producer): "write" | ProducerState {
  const known = log.producerState(producer.id);
  try {
    return decideProducerWrite(known, producer);
  } catch (error) {
    if (
      error instanceof ProducerSeqGapError && known !== undefined && producer.epoch > known.epoch
    ) {
      throw new ApiError("BAD_REQUEST", "A producer's new epoch must start at seq 0");
    }
    throw error;
  }
}

/** The 204 of a producer's retry: its epoch, and the last seq the log accepted from it. */
function duplicateAnswer(log: Log, producer: Producer, closed: boolean): Response {
  const last = log.producerState(producer.id);
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    ...producerAnswerHeaders(
      last?.epoch === producer.epoch ? { ...producer, seq: last.seq } : producer,
      false,
    ),
  };
  if (closed) headers[STREAM_CLOSED_HEADER] = "true";
  return new Response(null, { status: 204, headers });
}

/** The 409 of an append to a closed stream. */
function closedError(end: number): ApiError {
  return new ApiError("STREAM_CLOSED", "The stream is closed", {
    [STREAM_CLOSED_HEADER]: "true",
    [STREAM_NEXT_OFFSET_HEADER]: encodeStreamOffset(end),
  });
}

/** HEAD: the stream's metadata, never cached. */
async function headStream(c: RouteContext): Promise<Response> {
  const host = c.env;
  const state = await existing(host, nameOf(c));
  const { end } = host.log().boundsSync();
  const headers = stateHeaders(state, end);
  headers["cache-control"] = NO_STORE;
  headers.etag = etagOf(state, "-1", end, state.closed);
  if (state.ttlSeconds !== null) headers[STREAM_TTL_HEADER] = String(state.ttlSeconds);
  if (state.expiresAt !== null) headers[STREAM_EXPIRES_AT_HEADER] = state.expiresAt;
  return new Response(null, { headers });
}

/** The ETag of a read: the stream's creation, the range read, and the closed flag. */
function etagOf(state: StreamState, start: string, next: number, closed: boolean): string {
  return `"${state.generation}:${start}:${next}${closed ? ":c" : ""}"`;
}

/** DELETE: deletes the stream and its log. */
export async function deleteStream(c: RouteContext): Promise<Response> {
  const host = c.env;
  await existing(host, nameOf(c));
  await host.delete();
  host.stream.store().reset();
  return new Response(null, { status: 204, headers: BASE_HEADERS });
}

/**
 * GET: a catch-up read from the `offset` parameter (the Worker holds live reads: it calls
 * this route again when its waiting socket wakes), or, with a WebSocket upgrade, the
 * Worker's waiting socket: a tail from the offset, tagged so that closing the stream closes
 * it.
 */
export async function readStream(c: RouteContext): Promise<Response> {
  // Hono serves HEAD through the GET route.
  if (c.req.raw.method === "HEAD") return headStream(c);
  const host = c.env;
  const url = new URL(c.req.url);
  const offsets = url.searchParams.getAll(OFFSET_PARAM);
  if (offsets.length > 1) throw new ApiError("BAD_REQUEST", "Give one offset parameter");
  const given = offsets[0];
  if (given === "") throw new ApiError("BAD_REQUEST", "The offset parameter is empty");
  const start = decodeStreamOffset(given);
  const state = await existing(host, nameOf(c));
  const log = host.log();
  const { begin, end } = log.boundsSync();
  const from = start === "beginning" ? begin : start === "now" ? end : start;
  if (from > end) {
    throw new ApiError("BAD_REQUEST", `The offset "${given}" is past the stream's tail`);
  }
  if (from < begin) {
    throw new ApiError(
      "STREAM_GONE",
      `The offset "${given}" is behind the stream's retention: read from "-1"`,
    );
  }
  if (isWebSocketUpgrade(c.req.raw.headers)) {
    // A waiting reader is a tail of the log, held to the same most tails.
    const maxTails = host.maxTails();
    if (host.tails.count >= maxTails) {
      throw new ApiError("TOO_MANY_TAILS", `A log has at most ${maxTails} tails`);
    }
    return host.tails.accept(from, end, undefined, [STREAM_WAIT_TAG]);
  }
  touch(host, state);
  const json = isJsonMode(state.contentType);
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    "content-type": state.contentType,
  };
  if (start === "now" && !url.searchParams.has(LIVE_PARAM)) {
    headers[STREAM_NEXT_OFFSET_HEADER] = encodeStreamOffset(end);
    headers[STREAM_UP_TO_DATE_HEADER] = "true";
    headers["cache-control"] = NO_STORE;
    if (state.closed) headers[STREAM_CLOSED_HEADER] = "true";
    return new Response(json ? "[]" : null, { headers });
  }
  const batch = new Array<LogRecord>(MAX_READ_LIMIT);
  const count = from < end ? log.readBatchSync(from, batch, { maxBytes: MAX_READ_BYTES }) : 0;
  const next = from + count;
  const upToDate = next === end;
  const closed = state.closed && upToDate;
  headers[STREAM_NEXT_OFFSET_HEADER] = encodeStreamOffset(next);
  if (upToDate) headers[STREAM_UP_TO_DATE_HEADER] = "true";
  if (closed) headers[STREAM_CLOSED_HEADER] = "true";
  headers["cache-control"] = upToDate ? NO_STORE : CATCH_UP_CACHE;
  const etag = etagOf(state, given ?? "-1", next, closed);
  headers.etag = etag;
  if (c.req.header("if-none-match") === etag) {
    return new Response(null, { status: 304, headers });
  }
  const records: Uint8Array[] = [];
  for (let i = 0; i < count; i++) records.push(batch[i]!.data);
  return new Response(streamReadBody(records, json), { headers });
}
