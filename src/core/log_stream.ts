// The iterator behind Log.stream(). Internal: callers see an AsyncIterableIterator.
import { OutOfRangeError } from "./errors.ts";
import type { LogRecord } from "./log_record.ts";
import { assertInteger, checkSignal } from "./validate.ts";
import type { WriteSignal } from "./write_signal.ts";

/** Where a stream reads from: the log, seen through two synchronous calls. */
export interface StreamSource {
  /** Up to `limit` records from `offset`; `[]` when `offset` is not written yet. */
  page(offset: number, limit: number): LogRecord[];
  /** Whether `offset` is below the start or already purged. */
  purged(offset: number): boolean;
}

/** Records a stream reads ahead in one page. */
const PAGE = 64;

/**
 * A live reader of a log. It yields buffered records only while retention has not
 * purged them, parks on the log's {@linkcode WriteSignal} at the end, and serializes
 * concurrent `next()` calls so that no record is yielded twice.
 */
export class LogStream implements AsyncIterableIterator<LogRecord> {
  #cursor: number;
  readonly #signal: AbortSignal | undefined;
  readonly #source: StreamSource;
  readonly #written: WriteSignal;
  #buffer: LogRecord[] = [];
  #index = 0;
  #done = false;
  #checked = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    start: number,
    signal: AbortSignal | undefined,
    source: StreamSource,
    written: WriteSignal,
  ) {
    this.#cursor = start;
    this.#signal = signal;
    this.#source = source;
    this.#written = written;
  }

  next(): Promise<IteratorResult<LogRecord, undefined>> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(() => {});
    return result;
  }

  return(): Promise<IteratorResult<LogRecord, undefined>> {
    this.#done = true;
    this.#buffer = [];
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LogRecord> {
    return this;
  }

  async #next(): Promise<IteratorResult<LogRecord, undefined>> {
    for (;;) {
      if (this.#done) return { done: true, value: undefined };
      // Also rejects a signal that is not an AbortSignal: stream() itself never throws.
      checkSignal(this.#signal);
      if (!this.#checked) {
        assertInteger("start", this.#cursor);
        if (this.#cursor < 0) throw new OutOfRangeError(this.#cursor);
        this.#checked = true;
      }
      if (this.#index < this.#buffer.length) {
        if (this.#source.purged(this.#cursor)) throw new OutOfRangeError(this.#cursor);
        const record = this.#buffer[this.#index++]!;
        this.#cursor = record.offset + 1;
        return { done: false, value: record };
      }
      const page = this.#source.page(this.#cursor, PAGE);
      if (page.length > 0) {
        this.#buffer = page;
        this.#index = 0;
        continue;
      }
      await this.#written.wait(this.#signal);
    }
  }
}
