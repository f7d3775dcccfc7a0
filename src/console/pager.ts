/**
 * The record browser: pages of a log's records, forwards and backwards, from the oldest or
 * the newest, from an offset or from a time (the first record created at or after it), read
 * through the client (`readBatch`, `readSince`). A page that cannot be read shows the
 * protocol's error (an offset purged: `OUT_OF_RANGE`, 410; not written yet: `FUTURE_OFFSET`,
 * 404) and leaves the last page in place.
 *
 * @example
 * ```ts ignore
 * const pager = new Pager(notices, (bounds) => summary.show(bounds));
 * await pager.open(new LogClient(location.origin, "acme/orders")); // the newest page
 * ```
 *
 * @module
 */
import type { Bounds } from "../core/journal.ts";
import type { LogRecord } from "../core/log.ts";
import type { LogClient } from "../client/log_client.ts";
import { byId } from "./element.ts";
import type { Notices } from "./notices.ts";
import { recordItem } from "./record_view.ts";

/** Where a page starts: an offset, or a time. */
type PageStart = { from: number } | { since: Date };

/** The record browser of the page's "Records" section. */
export class Pager {
  readonly #notices: Notices;
  readonly #onBounds: (bounds: Bounds) => void;
  readonly #list = byId("page", HTMLOListElement);
  readonly #status = byId("page-status", HTMLElement);
  readonly #size = byId("page-size", HTMLSelectElement);
  #client: LogClient | undefined;
  /** The first offset of the page shown. */
  #from = 0;
  /** Numbers each read, so that a slow answer never replaces a later one's page. */
  #reads = 0;

  /**
   * Binds the browser to the page's controls.
   *
   * @param notices Where errors go.
   * @param onBounds Called with the log's bounds each time a page is read.
   */
  constructor(notices: Notices, onBounds: (bounds: Bounds) => void) {
    this.#notices = notices;
    this.#onBounds = onBounds;
    const buttons = {
      oldest: this.oldest,
      older: this.older,
      newer: this.newer,
      newest: this.newest,
    };
    for (const [name, action] of Object.entries(buttons)) {
      byId(`page-${name}`, HTMLButtonElement).addEventListener(
        "click",
        () => void action.call(this),
      );
    }
    this.#size.addEventListener("change", () => void this.#show(() => ({ from: this.#from })));
    const offsetForm = byId("jump-offset-form", HTMLFormElement);
    const offset = byId("jump-offset", HTMLInputElement);
    offsetForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.jump(offset.value);
    });
    const timeForm = byId("jump-time-form", HTMLFormElement);
    const time = byId("jump-time", HTMLInputElement);
    timeForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.jumpToTime(time.value);
    });
  }

  /**
   * Browses another log (or the same one with another client), from its newest page.
   *
   * @param client The log's client.
   * @returns Once the page is shown.
   */
  open(client: LogClient): Promise<void> {
    this.#client = client;
    this.#list.replaceChildren();
    return this.newest();
  }

  /** Shows the first page. */
  oldest(): Promise<void> {
    return this.#show((bounds) => ({ from: bounds.begin }));
  }

  /** Shows the page before the one shown. */
  older(): Promise<void> {
    return this.#show((bounds) => ({
      from: Math.max(bounds.begin, this.#from - this.#pageSize()),
    }));
  }

  /** Shows the page after the one shown (the last page when there is none after it). */
  newer(): Promise<void> {
    return this.#show((bounds) => {
      const next = this.#from + this.#pageSize();
      return { from: next < bounds.end ? next : this.#last(bounds) };
    });
  }

  /** Shows the last page: the newest records. */
  newest(): Promise<void> {
    return this.#show((bounds) => ({ from: this.#last(bounds) }));
  }

  /**
   * Shows the page that starts at an offset.
   *
   * @param text The offset as the user typed it.
   * @returns Once the page, or the error, is shown.
   */
  jump(text: string): Promise<void> {
    const from = Number(text);
    if (text.trim() === "" || !Number.isSafeInteger(from) || from < 0) {
      this.#notices.error(new RangeError(`Expected an offset (an integer from 0), got "${text}"`));
      return Promise.resolve();
    }
    return this.#show(() => ({ from }));
  }

  /**
   * Shows the page that starts at the first record created at or after a local time.
   *
   * @param text The time as a `datetime-local` input gives it.
   * @returns Once the page, or the error, is shown.
   */
  jumpToTime(text: string): Promise<void> {
    const since = new Date(text);
    if (text === "" || Number.isNaN(since.getTime())) {
      this.#notices.error(new RangeError(`Expected a date and time, got "${text}"`));
      return Promise.resolve();
    }
    return this.#show(() => ({ since }));
  }

  #pageSize(): number {
    return Number(this.#size.value);
  }

  #last(bounds: Bounds): number {
    return Math.max(bounds.begin, bounds.end - this.#pageSize());
  }

  /**
   * Reads the bounds, then the page that `startOf` them names, and shows it; an error is
   * shown instead, and the page shown stays.
   */
  async #show(startOf: (bounds: Bounds) => PageStart): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const read = ++this.#reads;
    let bounds: Bounds;
    let start: PageStart;
    let count: number;
    let batch: LogRecord[];
    try {
      bounds = await client.bounds();
      if (read === this.#reads) this.#onBounds(bounds);
      start = startOf(bounds);
      if ("from" in start) {
        // No more than the log holds from there: a short batch would make the client ask on
        // past the end (a 404 that says it was reached).
        batch = new Array(Math.max(1, Math.min(this.#pageSize(), bounds.end - start.from)));
        count = await client.readBatch(start.from, batch);
      } else {
        batch = new Array(this.#pageSize());
        count = await client.readSince(start.since, batch);
      }
    } catch (error) {
      if (read === this.#reads) this.#notices.error(error);
      return;
    }
    if (read !== this.#reads) return;
    const records = batch.slice(0, count);
    if ("from" in start) this.#from = start.from;
    else if (records[0] !== undefined) this.#from = records[0].offset;
    this.#list.replaceChildren(...records.map((record) => recordItem(record, "page")));
    if (records.length === 0) {
      this.#status.textContent = "since" in start
        ? `No record was created at or after ${start.since.toLocaleString()}`
        : "The log is empty";
    } else {
      const first = records[0]!.offset;
      const last = records.at(-1)!.offset;
      this.#status.textContent = `Offsets ${first} to ${last} of ${bounds.begin} to ${
        Math.max(bounds.begin, bounds.end - 1)
      }`;
    }
  }
}
