/**
 * `POST /logs/{name}/batch`: append records atomically (PROTOCOL.md, Routes).
 *
 * @module
 */
import { BATCH_CONTENT_TYPE, mediaType, OFFSET_HEADER } from "../../src/protocol/headers.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../../src/protocol/limits.ts";
import { batchTooLargeMessage, decodeBatch } from "../../src/protocol/wire.ts";
import { producerAnswerHeaders, readProducerHeaders } from "../../src/protocol/producer.ts";
import { routeQuery } from "../../src/protocol/routes.ts";
import { ApiError, expectedOffset, json, onlyQuery, queryOf, readBody } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `POST /batch`: appends the records of a batch body in one commit, the first at
 * `?expected=` or `Edgelog-Expected-Offset` when given, once per producer when the
 * `Producer-*` headers name one (the batch is one seq); answers
 * `{"first": F, "last": L, "count": C}` (a retry: the original ones, marked
 * `Edgelog-Duplicate: true`).
 *
 * @param c The request's context.
 * @returns The response, once the records are committed.
 */
export async function appendBatch(c: RouteContext): Promise<Response> {
  const request = c.req.raw;
  const query = queryOf(request.url);
  onlyQuery(query, routeQuery("/batch", "POST"));
  const expected = expectedOffset(query, request.headers);
  const producer = readProducerHeaders(request.headers);
  if (mediaType(request.headers.get("content-type")) !== BATCH_CONTENT_TYPE) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `A batch must have the content type "${BATCH_CONTENT_TYPE}"`,
    );
  }
  const body = await readBody(
    request,
    MAX_BATCH_BYTES,
    (size) => new ApiError("REQUEST_TOO_LARGE", batchTooLargeMessage(MAX_BATCH_BYTES, size, true)),
  );
  const records = decodeRecords(body);
  const host = c.env;
  host.appending();
  const options = expected === undefined ? {} : { expectedOffset: expected };
  if (producer === undefined) {
    const first = await host.log().writeBatch(records, options);
    return answer(first, records.length, {});
  }
  const { offset, count, duplicate } = await host.log().writeBatch(records, {
    ...options,
    producer,
  });
  return answer(offset, count, producerAnswerHeaders(producer, duplicate));
}

/** The answer to a batch of `count` records from `first` (-1 and 0: offsets no longer kept). */
function answer(first: number, count: number, headers: Record<string, string>): Response {
  const last = count === 0 ? -1 : first + count - 1;
  return json({ first, last, count }, { [OFFSET_HEADER]: String(first), ...headers });
}

/** Splits a batch body: broken framing is 400 `BAD_REQUEST`, too many records 413. */
function decodeRecords(body: Uint8Array): Uint8Array[] {
  try {
    return decodeBatch(body, MAX_BATCH_RECORDS);
  } catch (error) {
    if (error instanceof SyntaxError) throw new ApiError("BAD_REQUEST", error.message);
    if (error instanceof RangeError) throw new ApiError("REQUEST_TOO_LARGE", error.message);
    throw error;
  }
}
