/**
 * `/logs/{name}/records` and `/logs/{name}/records/{offset}`: append one record, read a
 * batch as NDJSON, read one record (PROTOCOL.md, Routes). `DELETE /records` is in
 * `truncate.ts`.
 *
 * @module
 */
import { type LogRecord, RecordTooLargeError } from "../../mod.ts";
import {
  BYTES_CONTENT_TYPE,
  CREATED_HEADER,
  JSON_CONTENT_TYPE,
  NDJSON_CONTENT_TYPE,
  NEXT_OFFSET_HEADER,
  OFFSET_HEADER,
} from "../../src/protocol/headers.ts";
import { MAX_READ_BYTES, parseDecimal, readLimit } from "../../src/protocol/limits.ts";
import { encodeRecordLine } from "../../src/protocol/wire.ts";
import { producerAnswerHeaders, readProducerHeaders } from "../../src/protocol/producer.ts";
import { routeQuery } from "../../src/protocol/routes.ts";
import { expectedOffset, onlyQuery, queryInteger, queryOf, readBody, readStart } from "../http.ts";
import type { LogHost, RouteContext } from "./host.ts";

/**
 * `POST /records`: appends the body as one record, at `?expected=` or
 * `Edgelog-Expected-Offset` when given, once per producer when the `Producer-*` headers name
 * one; answers `{"offset": N}` (a producer's retry: the original offset, marked
 * `Edgelog-Duplicate: true`).
 *
 * @param c The request's context.
 * @returns The response, once the record is committed.
 */
export function appendRecord(c: RouteContext): Promise<Response> {
  return appendRecordOf(c.req.raw, c.env);
}

/**
 * {@linkcode appendRecord} without Hono's context: the LogObject calls it directly for the
 * hottest route of the API, with the headers it adds to every answer.
 *
 * @param request The request, whose route is `POST /records`.
 * @param host The LogObject.
 * @param stamp Headers the answer carries beside its own.
 * @returns The response, once the record is committed.
 */
export async function appendRecordOf(
  request: Request,
  host: LogHost,
  stamp?: Readonly<Record<string, string>>,
): Promise<Response> {
  const query = queryOf(request.url);
  onlyQuery(query, routeQuery("/records", "POST"));
  const headers = request.headers;
  const expected = expectedOffset(query, headers);
  const producer = readProducerHeaders(headers);
  const limit = host.log().maxRecordSize;
  const data = await readBody(request, limit, (size) => new RecordTooLargeError(size, limit));
  // The Log after the body arrived: a PUT /config meanwhile replaced it.
  const log = host.log();
  host.appending();
  const options = expected === undefined ? {} : { expectedOffset: expected };
  if (producer === undefined) {
    const offset = await log.write(data, options);
    return offsetAnswer(offset, { ...stamp, [OFFSET_HEADER]: String(offset) });
  }
  const { offset, duplicate } = await log.write(data, { ...options, producer });
  return offsetAnswer(offset, {
    ...stamp,
    [OFFSET_HEADER]: String(offset),
    ...producerAnswerHeaders(producer, duplicate),
  });
}

/** `{"offset": N}` as JSON (what `json()` sends for it), with `headers`. */
function offsetAnswer(offset: number, headers: Record<string, string>): Response {
  headers["content-type"] = JSON_CONTENT_TYPE;
  return new Response(`{"offset":${offset}}`, { headers });
}

/**
 * `GET /records?from=N&limit=M` (or `?since=T`): reads a batch as NDJSON lines, from the
 * oldest record by default, at most `limit` records and about `MAX_READ_BYTES` of record
 * bytes. With `since`, from the first record created at or after `T`; no such record is an
 * empty batch whose next offset is the end.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function readRecords(c: RouteContext): Promise<Response> {
  const query = queryOf(c.req.url);
  onlyQuery(query, routeQuery("/records", "GET"));
  const log = c.env.log();
  const start = readStart(query);
  // Out of range: a RangeError, answered 400 BAD_REQUEST.
  const limit = readLimit(queryInteger(query, "limit"));
  // The time is found and the pages read with no await in between: one state of the log.
  const from = start === undefined
    ? log.boundsSync().begin
    : "since" in start
    ? log.offsetAtSync(start.since)
    : start.from;
  if (start !== undefined && "since" in start && from === log.boundsSync().end) {
    return ndjson("", from);
  }
  // The Log checks `from` (FUTURE_OFFSET, OUT_OF_RANGE) and reads every page with no await
  // in between.
  const records = new Array<LogRecord>(limit);
  const count = await log.readBatch(from, records, { maxBytes: MAX_READ_BYTES });
  let body = "";
  for (let i = 0; i < count; i++) {
    const { offset, created, data } = records[i]!;
    body += encodeRecordLine({ offset, created: created.getTime(), data });
  }
  return ndjson(body, from + count);
}

/** A batch read's answer: NDJSON lines, and the offset to read on from. */
function ndjson(body: string, next: number): Response {
  return new Response(body, {
    headers: {
      "content-type": NDJSON_CONTENT_TYPE,
      [NEXT_OFFSET_HEADER]: String(next),
    },
  });
}

/**
 * `GET /records/{offset}`: one record's bytes, with its offset and creation time in headers.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function readRecord(c: RouteContext): Promise<Response> {
  onlyQuery(queryOf(c.req.url), routeQuery("/records/{offset}", "GET"));
  const offset = parseDecimal("offset", c.req.param("offset")!);
  const record = await c.env.log().read(offset);
  return new Response(record.data, {
    headers: {
      "content-type": BYTES_CONTENT_TYPE,
      [OFFSET_HEADER]: String(record.offset),
      [CREATED_HEADER]: String(record.created.getTime()),
    },
  });
}
