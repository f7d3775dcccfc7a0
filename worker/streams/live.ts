/**
 * Live reads of `/v1/stream/{name}` (long-poll and SSE), held in the Worker: a reader that
 * waits costs the LogObject nothing but one hibernating WebSocket, the Worker's waiting
 * socket (a tail of the log tagged `stream-wait`), so an object with only waiting readers may
 * be evicted; a commit (or the stream's close) wakes the socket, and the Worker reads what
 * arrived with a catch-up read of the object, answers the long-poll or sends it as SSE events.
 * The socket is asked for with a read-or-wait (a GET with a WebSocket upgrade) that the
 * object answers as a catch-up read when there is something to read: a reader costs the
 * object one request per wait, and one more per wake-up.
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

/** A catch-up read's answer, its body read; `undefined` body fields when it is no 200. */
async function readAnswer(response: Response): Promise<CatchUp> {
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

/** A catch-up read from the object. */
async function catchUp(send: ObjectFetch, url: URL): Promise<CatchUp> {
  return await readAnswer(await send(new Request(url)));
}

/** A waiting socket opened at the stream's tail: its offset and the stream's content type. */
interface Waiting {
  next: string;
  contentType: string;
}

/**
 * The Worker's socket on the object that waits for records from an offset: resolves `true`
 * when a record (or the stream's close) arrives, `false` after `ms`.
 */
class Waiter {
  #socket: WebSocket | undefined;
  #woken = false;
  #wake: (() => void) | undefined;

  /** Whether the socket is open (it stays open until {@linkcode Waiter.close}). */
  get opened(): boolean {
    return this.#socket !== undefined;
  }

  /**
   * Reads or waits: one request to the object, a GET from `url`'s offset with a WebSocket
   * upgrade. There are records from the offset (or the stream is closed, or gone): the
   * object answers as a catch-up read, here read. The reader is at the tail: the object
   * opens the waiting socket.
   *
   * @returns The catch-up answer, or where the socket waits.
   */
  async open(send: ObjectFetch, url: URL): Promise<CatchUp | Waiting> {
    const response = await send(new Request(url, { headers: { upgrade: "websocket" } }));
    const socket = response.webSocket;
    if (socket === null) return await readAnswer(response);
    socket.accept();
    const wake = () => {
      this.#woken = true;
      this.#wake?.();
    };
    socket.addEventListener("message", wake);
    socket.addEventListener("close", wake);
    socket.addEventListener("error", wake);
    this.#socket = socket;
    return {
      next: response.headers.get(STREAM_NEXT_OFFSET_HEADER) ?? "",
      contentType: response.headers.get("content-type") ?? "",
    };
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
 * the first commit from the reader's offset, or 204 after `LONG_POLL_TIMEOUT_MS`. One
 * request to the object when it answers at once or times out, two when a commit wakes it.
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
  const waiter = new Waiter();
  let read: CatchUp | undefined;
  let next: string;
  try {
    const opened = await waiter.open(send, url);
    if ("response" in opened) {
      read = opened;
      next = opened.next;
    } else {
      next = opened.next;
      if (await waiter.wait(LONG_POLL_TIMEOUT_MS, signal)) {
        read = await catchUp(send, at(url, next));
      }
    }
  } finally {
    waiter.close();
  }
  if (read !== undefined && read.response.status !== 200) {
    return new Response(read.body, read.response);
  }
  if (read === undefined || read.empty) {
    const empty = new Headers({
      [STREAM_NEXT_OFFSET_HEADER]: read?.next ?? next,
      [STREAM_UP_TO_DATE_HEADER]: "true",
    });
    if (read?.closed) empty.set(STREAM_CLOSED_HEADER, "true");
    else empty.set(STREAM_CURSOR_HEADER, cursor);
    return new Response(null, { status: 204, headers: empty });
  }
  const headers = new Headers(read.response.headers);
  headers.delete("etag");
  headers.set("cache-control", "no-store");
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
 * `SSE_RECONNECT_MS` (the client reconnects from its last offset). A reader at the tail
 * costs the object one request per answer: the read-or-wait that opens the waiting socket.
 *
 * @param send Sends a request to the log's object.
 * @param url The object's `/stream` URL with the reader's query.
 * @param signal The client's request signal.
 * @returns The answer (its status and headers at once, its events as they come).
 */
export async function sse(send: ObjectFetch, url: URL, signal?: AbortSignal): Promise<Response> {
  // One waiting socket for the whole answer, opened at the first tail reached.
  const waiter = new Waiter();
  let first: CatchUp | Waiting;
  try {
    first = await waiter.open(send, url);
  } catch (error) {
    waiter.close();
    throw error;
  }
  if ("response" in first && first.response.status !== 200) {
    return new Response(first.body, first.response);
  }
  const contentType = "response" in first
    ? first.response.headers.get("content-type") ?? ""
    : first.contentType;
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
  const upToDateEvent = (offset: string) =>
    encoder.encode(controlEvent({
      streamNextOffset: offset,
      streamCursor: responseCursor(echoed),
      upToDate: true,
    }));

  async function run(opened: CatchUp | Waiting): Promise<void> {
    // What the last request read; none when it opened the waiting socket at the tail.
    let read: CatchUp | undefined = "response" in opened ? opened : undefined;
    let offset = opened.next;
    try {
      for (;;) {
        if (read === undefined) {
          await writer.write(upToDateEvent(offset));
        } else {
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
          offset = read.next;
          if (!read.upToDate) {
            read = await catchUp(send, at(url, offset));
            continue;
          }
          if (!waiter.opened) {
            // Records that arrived meanwhile are read instead; gone, or too many tails: the
            // answer ends at the top of the loop, the client reconnects and learns why.
            const next = await waiter.open(send, at(url, offset));
            if ("response" in next) {
              read = next;
              continue;
            }
          }
        }
        let woken = false;
        while (!woken) {
          const left = deadline - Date.now();
          if (left <= 0 || signal?.aborted) return;
          woken = await waiter.wait(Math.min(SSE_KEEP_ALIVE_MS, left), signal);
          if (!woken && Date.now() < deadline && !signal?.aborted) {
            await writer.write(upToDateEvent(offset));
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
  void run(first);
  return new Response(readable, { status: 200, headers });
}
