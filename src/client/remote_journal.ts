/**
 * The Journal contract over a remote log: what code written against a `Journal` needs to
 * run against a deployed log unchanged.
 *
 * @module
 */
import { ClosedError, FutureOffsetError, NotFoundError, OutOfRangeError } from "../core/errors.ts";
import type { Bounds, CallOptions, Journal, RangeFn } from "../core/journal.ts";
import type { LogRecord } from "../core/log.ts";
import { assertBytes, assertPosition, checkSignal, describe } from "../core/validate.ts";
import { MAX_READ_LIMIT } from "../protocol/limits.ts";
import { LogClient } from "./log_client.ts";

/** Records read per request while `range` walks the log: as many as one batch read returns. */
const RANGE_PAGE = MAX_READ_LIMIT;

/**
 * A {@linkcode Journal} over a {@linkcode LogClient}: positions are the log's offsets and
 * records its records. It keeps the Journal's contract and errors: `get` and `range` of a
 * purged or future position reject `NotFoundError` carrying it; `append` at a taken end
 * rejects `ConflictError`, past the end `RangeError`; `truncate` past the end rejects
 * `RangeError`; after `close()` every method rejects `ClosedError`. Closing the journal
 * closes only this view: the log stays.
 *
 * Two differences follow from the deployment: it stores `Log` records, which are never
 * empty, so `append` of an empty record rejects `RangeError`; and every log starts at
 * position 0. Errors outside the contract (a refused token, an unreachable server) reject
 * `HttpError`.
 *
 * @example Optimistic concurrency against a deployed log (needs a server: `npm start`)
 * ```ts ignore
 * import { ConflictError } from "@edgelog/edgelog";
 * import { LogClient, RemoteJournal } from "@edgelog/edgelog/client";
 *
 * const journal = new RemoteJournal(new LogClient("http://127.0.0.1:8787", "acme/orders"));
 * const { end } = await journal.bounds();
 * try {
 *   await journal.append(end, new TextEncoder().encode("order placed"));
 * } catch (error) {
 *   if (!(error instanceof ConflictError)) throw error; // someone else appended first
 * }
 * await journal.range(0, (pos, record) => console.log(pos, record.byteLength));
 * ```
 *
 * @example The Journal's errors, from the server's answers
 * ```ts
 * import { NotFoundError } from "@edgelog/edgelog";
 * import { LogClient, RemoteJournal } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * // A stand-in for a server whose log is empty, so that this example runs anywhere.
 * const fetch = async () =>
 *   Response.json(
 *     { error: { code: "FUTURE_OFFSET", message: "Not yet", offset: 3 } },
 *     { status: 404 },
 *   );
 * const journal = new RemoteJournal(new LogClient("http://127.0.0.1:8787", "a", { fetch }));
 * const error = await journal.get(3).catch((e) => e);
 * assert(error instanceof NotFoundError);
 * assert.equal(error.position, 3);
 * ```
 */
export class RemoteJournal implements Journal {
  /** The client of the log this journal reads and writes. */
  readonly client: LogClient;
  #closed = false;

  /**
   * Creates a journal over the log of `client`.
   *
   * @param client The client of the log.
   * @throws {TypeError} When `client` is not a `LogClient`.
   *
   * @example
   * ```ts
   * import { LogClient, RemoteJournal } from "@edgelog/edgelog/client";
   *
   * const journal = new RemoteJournal(new LogClient("http://127.0.0.1:8787", "acme/orders"));
   * await journal.close();
   * ```
   */
  constructor(client: LogClient) {
    if (!(client instanceof LogClient)) {
      throw new TypeError(`Expected a LogClient, got ${describe(client)}`);
    }
    this.client = client;
  }

  /** {@inheritDoc Journal.bounds} */
  async bounds(opts?: CallOptions): Promise<Bounds> {
    checkSignal(opts?.signal);
    this.#assertOpen();
    return await this.client.bounds(opts);
  }

  /** {@inheritDoc Journal.get} */
  async get(pos: number, opts?: CallOptions): Promise<Uint8Array> {
    checkSignal(opts?.signal);
    this.#assertOpen();
    assertPosition("pos", pos);
    try {
      return (await this.client.read(pos, opts)).data;
    } catch (error) {
      throw notFound(error, pos);
    }
  }

  /** {@inheritDoc Journal.range} */
  async range(pos: number, fn: RangeFn, opts?: CallOptions): Promise<void> {
    const signal = opts?.signal;
    checkSignal(signal);
    this.#assertOpen();
    assertPosition("pos", pos);
    if (typeof fn !== "function") {
      throw new TypeError(`Expected fn to be a function, got ${describe(fn)}`);
    }
    const page = new Array<LogRecord>(RANGE_PAGE);
    let cursor = pos;
    for (;;) {
      let count: number;
      try {
        count = await this.client.readBatch(cursor, page, opts);
      } catch (error) {
        if (cursor === pos) throw notFound(error, pos);
        // Truncated under a range that had begun: the records it would visit are gone.
        if (error instanceof OutOfRangeError || error instanceof FutureOffsetError) return;
        throw error;
      }
      for (let i = 0; i < count; i++) {
        const { offset, data } = page[i]!;
        const result = fn(offset, data);
        const more = result instanceof Promise ? await result : result;
        if (more === false) return;
        signal?.throwIfAborted();
        this.#assertOpen();
      }
      if (count < RANGE_PAGE) return;
      cursor += count;
    }
  }

  /** {@inheritDoc Journal.append} */
  async append(end: number, record: Uint8Array, opts?: CallOptions): Promise<void> {
    checkSignal(opts?.signal);
    this.#assertOpen();
    assertPosition("end", end);
    assertBytes("record", record);
    if (record.byteLength === 0) {
      throw new RangeError("Expected a record that is not empty: a remote log stores none");
    }
    await this.client.append(record, { ...opts, expectedOffset: end });
  }

  /** {@inheritDoc Journal.truncate} */
  async truncate(end: number, opts?: CallOptions): Promise<void> {
    checkSignal(opts?.signal);
    this.#assertOpen();
    await this.client.truncate(end, opts);
  }

  /** {@inheritDoc Journal.close} */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError();
  }
}

/** The Journal's error for a read at `pos` that failed with `error`. */
function notFound(error: unknown, pos: number): unknown {
  return error instanceof FutureOffsetError || error instanceof OutOfRangeError
    ? new NotFoundError(pos)
    : error;
}
