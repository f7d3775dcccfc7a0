/**
 * Server-sent events of a live read (`live=sse`): `data` events carry records (JSON mode: one
 * array per event; binary streams: base64), `control` events carry the next offset, the
 * cursor, `upToDate` and `streamClosed`. Every line of a payload gets its own `data:` prefix,
 * so a payload never injects events of its own.
 *
 * @module
 */

/** The fields of a control event. */
export interface ControlEvent {
  /** The offset after the data sent so far. */
  streamNextOffset: string;
  /** The cursor (absent once the stream is closed). */
  streamCursor?: string;
  /** `true` when the reader has every record. */
  upToDate?: boolean;
  /** `true` when the stream is closed and the reader has every record: the last event. */
  streamClosed?: boolean;
}

/**
 * One SSE event.
 *
 * @param event The event's type.
 * @param payload Its data: split at every line break (CRLF, CR, LF) into `data:` lines.
 * @returns The event's text, ending with the blank line.
 *
 * @example
 * ```ts
 * import { sseEvent } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sseEvent("data", "a\r\nb"), "event: data\ndata:a\ndata:b\n\n");
 * ```
 */
export function sseEvent(event: "data" | "control", payload: string): string {
  return `event: ${event}\n` +
    payload.split(/\r\n|\r|\n/).map((line) => `data:${line}`).join("\n") + "\n\n";
}

/**
 * A control event.
 *
 * @param control Its fields.
 * @returns The event's text.
 *
 * @example
 * ```ts
 * import { controlEvent } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   controlEvent({ streamNextOffset: "0000000000000001", streamClosed: true }),
 *   'event: control\ndata:{"streamNextOffset":"0000000000000001","streamClosed":true}\n\n',
 * );
 * ```
 */
export function controlEvent(control: ControlEvent): string {
  return sseEvent("control", JSON.stringify(control));
}
