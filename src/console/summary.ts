/**
 * The log at a glance: its offsets (bounds), how many records it holds, and its config,
 * reread on demand and after every change made from the console.
 *
 * @example
 * ```ts ignore
 * const summary = new Summary();
 * summary.showBounds(await client.bounds());
 * ```
 *
 * @module
 */
import type { Bounds } from "../core/journal.ts";
import type { LogConfig } from "../protocol/config.ts";
import { byId } from "./element.ts";

/** The summary section of the page. */
export class Summary {
  readonly #bounds = byId("bounds", HTMLElement);
  readonly #count = byId("count", HTMLElement);
  readonly #record = byId("cfg-record", HTMLElement);
  readonly #segment = byId("cfg-segment", HTMLElement);
  readonly #age = byId("cfg-age", HTMLElement);

  /**
   * Shows a log's bounds.
   *
   * @param bounds The half-open range of its offsets.
   */
  showBounds({ begin, end }: Bounds): void {
    this.#bounds.textContent = begin === end
      ? `none yet (the next is ${end})`
      : `${begin} to ${end - 1} (the next is ${end})`;
    this.#count.textContent = String(end - begin);
  }

  /**
   * Shows a log's config.
   *
   * @param config The config.
   */
  showConfig(config: LogConfig): void {
    this.#record.textContent = `${config.maxRecordSize} bytes`;
    this.#segment.textContent = config.maxSegmentSize === null
      ? "unlimited (keeps every record)"
      : `${config.maxSegmentSize} records`;
    this.#age.textContent = config.maxAge === null ? "none" : durationText(config.maxAge);
  }
}

/** Milliseconds in words: the largest whole unit, e.g. `7 days`. */
function durationText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}
