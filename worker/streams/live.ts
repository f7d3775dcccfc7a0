/**
 * Live reads of `/v1/stream/{name}` (long-poll and SSE), held in the Worker: a reader that
 * waits costs the LogObject nothing but one hibernating WebSocket, the Worker's waiting
 * socket (a tail of the log tagged `stream-wait`), so an object with only waiting readers may
 * be evicted; a commit (or the stream's close) wakes the socket, and the Worker reads what
 * arrived with a catch-up read of the object, answers the long-poll or sends it as SSE events.
 *
 * @module
 */
import {
  CURSOR_PARAM,
  isBase64InSse,
  isJsonMode,
  OFFSET_PARAM,
  SSE_CONTENT_TYPE,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_NEXT_OFFSET_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "../../src/protocol/streams/headers.ts";
import {
  LONG_POLL_TIMEOUT_MS,
  SSE_KEEP_ALIVE_MS,
  SSE_RECONNECT_MS,
} from "../../src/protocol/streams/live.ts";
import { responseCursor } from "../../src/protocol/streams/cursor.ts";
import { controlEvent, sseEvent } from "../../src/protocol/streams/sse.ts";

/** Sends a request to the log's object (the stub's `fetch`). */
export type ObjectFetch = (request: Request) => Promise<Response>;

/** A catch-up read's answer, its body read. */
interface CatchUp {
  response: Response;
  body: Uint8Array;
  next: string;
  upToDate: boolean;
  closed: boolean;
  empty: boolean;
  json: boolean;
}

/** `url` (the object's `/stream` URL) with its offset set to `offset`. */
function at(url: URL, offset: string): URL {
  const next = new URL(url);
  next.searchParams.set(OFFSET_PARAM, offset);
  return next;
}

/** A catch-up read from the object; `undefined` body fields when it is no 200. */
async function catchUp(send: ObjectFetch, url: URL): Promise<CatchUp> {
  const response = await send(new Request(url));
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = response.headers;
  const json = isJsonMode(headers.get("content-type") ?? "");
  return {
    response,
    body,
    next: headers.get(STREAM_NEXT_OFFSET_HEADER) ?? "",
    upToDate: headers.get(STREAM_UP_TO_DATE_HEADER) === "true",
    closed: headers.get(STREAM_CLOSED_HEADER) === "true",
    // Records are never empty, and a JSON array of none is "[]".
    empty: body.byteLength === 0 || (json && body.byteLength === 2),
    json,
  };
}

/**
 * A waiting socket on the object from `offset`: resolves `true` when a record (or the
 * stream's close) arrives, `false` after `ms`.
 */
class Waiter {
  #socket: WebSocket | undefined;
  #woken = false;
  #wake: (() => void) | undefined;

  /** Whether {@linkcode Waiter.open} was called. */
  opened = false;

  /**
   * Opens the socket.
   *
   * @returns `true`, or the object's refusal (the stream is gone, or has its most tails).
   */
  async open(send: ObjectFetch, url: URL): Promise<true | Response> {
    this.opened = true;
    const response = await send(new Request(url, { headers: { upgrade: "websocket" } }));
    const socket = response.webSocket;
    if (socket === null) return response;
    socket.accept();
    const wake = () => {
      this.#woken = true;
      this.#wake?.();
    };
    socket.addEventListener("message", wake);
    socket.addEventListener("close", wake);
    socket.addEventListener("error", wake);
    this.#socket = socket;
    return true;
  }

  /** Waits up to `ms` for a wake-up since the last one; `true` when one came. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.#wake = undefined;
        signal?.removeEventListener("abort", aborted);
        this.#woken = false;
        resolve(woken);
      };
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.#wake = () => done(true);
      signal?.addEventListener("abort", aborted);
    });
  }

  /** Closes the socket. */
  close(): void {
    try {
      this.#socket?.close(1000, "done");
    } catch {
      // Already closed.
    }
  }
}

/**
 * Answers a long-poll: at once when records (or the stream's close) are there, else after
 * the first commit from the reader's offset, or 204 after `LONG_POLL_TIMEOUT_MS`.
 *
 * @param send Sends a request to the log's object.
 * @param url The object's `/stream` URL with the reader's query.
 * @param signal The client's request signal.
 * @returns The answer.
 */
export async function longPoll(
  send: ObjectFetch,
  url: URL,
  signal?: AbortSignal,
): Promise<Response> {
  const cursor = responseCursor(url.searchParams.get(CURSOR_PARAM) ?? undefined);
  let read = await catchUp(send, url);
  if (read.response.status === 200 && read.empty && read.upToDate && !read.closed) {
    const waiter = new Waiter();
    try {
      const opened = await waiter.open(send, at(url, read.next));
      if (opened !== true && opened.status === 429) return opened;
      if (opened !== true) {
        // Gone meanwhile (deleted, expired, truncated): the read says how.
        await opened.body?.cancel();
        read = await catchUp(send, at(url, read.next));
      } else if (await waiter.wait(LONG_POLL_TIMEOUT_MS, signal)) {
        read = await catchUp(send, at(url, read.next));
      }
    } finally {
      waiter.close();
    }
  }
  const { response } = read;
  if (response.status !== 200) return new Response(read.body, response);
  const headers = new Headers(response.headers);
  headers.delete("etag");
  headers.set("cache-control", "no-store");
  if (read.empty) {
    const empty = new Headers({
      [STREAM_NEXT_OFFSET_HEADER]: read.next,
      [STREAM_UP_TO_DATE_HEADER]: "true",
    });
    if (read.closed) empty.set(STREAM_CLOSED_HEADER, "true");
    else empty.set(STREAM_CURSOR_HEADER, cursor);
    return new Response(null, { status: 204, headers: empty });
  }
  headers.set(STREAM_CURSOR_HEADER, cursor);
  return new Response(read.body, { status: 200, headers });
}

/** Base64 of bytes. */
function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * Answers an SSE read: `data` events with the records from the reader's offset, a `control`
 * event after each read (next offset, cursor, `upToDate`; `streamClosed` as the last one),
 * keep-alive control events while nothing arrives, and the end of the answer after
 * `SSE_RECONNECT_MS` (the client reconnects from its last offset).
 *
 * @param send Sends a request to the log's object.
 * @param url The object's `/stream` URL with the reader's query.
 * @param signal The client's request signal.
 * @returns The answer (its status and headers at once, its events as they come).
 */
export async function sse(send: ObjectFetch, url: URL, signal?: AbortSignal): Promise<Response> {
  const first = await catchUp(send, url);
  if (first.response.status !== 200) return new Response(first.body, first.response);
  const contentType = first.response.headers.get("content-type") ?? "";
  const base64Data = isBase64InSse(contentType);
  const headers = new Headers({
    "content-type": SSE_CONTENT_TYPE,
    "cache-control": "no-cache",
  });
  if (base64Data) headers.set(STREAM_SSE_DATA_ENCODING_HEADER, "base64");
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const echoed = url.searchParams.get(CURSOR_PARAM) ?? undefined;
  const deadline = Date.now() + SSE_RECONNECT_MS;

  async function run(): Promise<void> {
    const waiter = new Waiter();
    let read = first;
    try {
      for (;;) {
        if (read.response.status !== 200) break;
        let text = "";
        if (!read.empty) {
          const payload = base64Data ? base64(read.body) : decoder.decode(read.body);
          text += sseEvent("data", payload);
        }
        if (read.closed) {
          text += controlEvent({ streamNextOffset: read.next, streamClosed: true });
          await writer.write(encoder.encode(text));
          break;
        }
        text += controlEvent({
          streamNextOffset: read.next,
          streamCursor: responseCursor(echoed),
          ...(read.upToDate ? { upToDate: true } : {}),
        });
        await writer.write(encoder.encode(text));
        const offset = read.next;
        if (read.upToDate) {
          // One waiting socket for the whole answer, opened at the first tail reached.
          if (!waiter.opened) {
            const opened = await waiter.open(send, at(url, offset));
            if (opened !== true) {
              // Gone, or too many tails: the answer ends, the client reconnects and learns why.
              await opened.body?.cancel();
              break;
            }
          }
          let woken = false;
          while (!woken) {
            const left = deadline - Date.now();
            if (left <= 0 || signal?.aborted) return;
            woken = await waiter.wait(Math.min(SSE_KEEP_ALIVE_MS, left), signal);
            if (!woken && Date.now() < deadline && !signal?.aborted) {
              await writer.write(encoder.encode(controlEvent({
                streamNextOffset: offset,
                streamCursor: responseCursor(echoed),
                upToDate: true,
              })));
            }
          }
        }
        read = await catchUp(send, at(url, offset));
      }
    } catch {
      // The client went away (the write failed), or the object did: the answer ends.
    } finally {
      waiter.close();
      try {
        await writer.close();
      } catch {
        // Already closed or errored.
      }
    }
  }
  void run();
  return new Response(readable, { status: 200, headers });
}
