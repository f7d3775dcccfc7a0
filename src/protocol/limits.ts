/**
 * The limits of the HTTP API that both sides rely on (PROTOCOL.md, Limits): the server
 * enforces them, and the client and the command line size their requests by them.
 *
 * @module
 */

/**
 * The most records in one batch append (`POST /logs/{name}/batch`).
 *
 * @example
 * ```ts
 * import { MAX_BATCH_RECORDS } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_BATCH_RECORDS, 1000);
 * ```
 */
export const MAX_BATCH_RECORDS = 1000;

/** The most bytes in one batch append's body, its length prefixes included: 8 MiB. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** The most records one batch read returns (`GET /logs/{name}/records?limit=`). */
export const MAX_READ_LIMIT = 1000;
