/**
 * The client of a deployed edgelog: {@linkcode LogClient} speaks the HTTP and WebSocket API
 * of one named log (PROTOCOL.md) and reports the core's error classes, so code written
 * against a local `Log` or `Journal` runs against a deployed log unchanged;
 * {@linkcode RemoteJournal} is the `Journal` contract over it; `tail` follows a log live
 * and survives dropped connections without losing or repeating a record; `writer` pipelines
 * appends over an append session ({@linkcode LogWriter}), exactly once across reconnects. It
 * runs wherever
 * `fetch` does (Deno, Node 20+, browsers, Workers); the tail needs a `WebSocket`, which
 * Node 20 lacks: from the npm package `@edgelog/edgelog` the tail then uses the `ws` package by
 * itself; from JSR, pass the `ws` package's as the `WebSocket` option.
 *
 * The wire framings of the protocol ({@linkcode encodeBatch}, {@linkcode decodeTailFrame},
 * ...) and its producer headers ({@linkcode producerHeaders}, ...) are exported too, for
 * other clients and servers.
 *
 * @example Appending, reading and following a log (needs a server: `npm start`)
 * ```ts ignore
 * import { LogClient } from "@edgelog/edgelog/client";
 *
 * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", {
 *   token: Deno.env.get("EDGELOG_TOKEN"), // leave it out for an open local server
 * });
 * const offset = await log.append(new TextEncoder().encode("hello"));
 * console.log((await log.read(offset)).data);
 *
 * const controller = new AbortController();
 * for await (const record of log.tail(0, { signal: controller.signal })) {
 *   console.log(record.offset, new TextDecoder().decode(record.data));
 * }
 * ```
 *
 * @example Errors arrive as the core's classes (a stand-in `fetch` instead of a server)
 * ```ts
 * import { FutureOffsetError } from "@edgelog/edgelog";
 * import { LogClient } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const fetch = async () =>
 *   Response.json(
 *     { error: { code: "FUTURE_OFFSET", message: "Offset \"9\" has not been written yet", offset: 9 } },
 *     { status: 404 },
 *   );
 * const log = new LogClient("http://127.0.0.1:8787", "acme/demo", { fetch });
 * await assert.rejects(log.read(9), FutureOffsetError);
 * ```
 *
 * @module
 */
export { HttpError, type HttpErrorCode } from "./http_error.ts";
export { SERVER_ERROR_STATUS, type ServerErrorCode } from "../protocol/errors.ts";
export {
  type AppendOptions,
  type FetchFunction,
  LogClient,
  type LogClientOptions,
  type LogConfigChanges,
  type ProducerAppendOptions,
  type TokenSource,
} from "./log_client.ts";
export type { ProducerOptions } from "./producer_session.ts";
export { DEFAULT_RETRY, type RetryEvent, type RetryOptions } from "./retry.ts";
export type { LogConfig } from "../protocol/config.ts";
export { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_READ_LIMIT } from "../protocol/limits.ts";
export { RemoteJournal } from "./remote_journal.ts";
export type {
  ConnectEvent,
  ReconnectEvent,
  TailOptions,
  WebSocketConstructor,
  WebSocketLike,
} from "./tail.ts";
export { LogWriter, type WriterOptions, type WriterReconnectEvent } from "./writer.ts";
export { BATCH_CONTENT_TYPE } from "../protocol/headers.ts";
export {
  isDuplicateAnswer,
  producerAnswerHeaders,
  producerErrorHeaders,
  producerHeaders,
  readProducerHeaders,
} from "../protocol/producer.ts";
export {
  decodeBatch,
  decodeRecordLines,
  decodeTailFrame,
  encodeBatch,
  encodeRecordLine,
  encodeTailFrame,
  fromBase64,
  TAIL_RECORD_HEADER,
  toBase64,
  type WireRecord,
} from "../protocol/wire.ts";
