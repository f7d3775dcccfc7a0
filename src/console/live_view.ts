/**
 * The live view: follows a log's tail over one WebSocket (`LogClient.tail`, which resumes
 * after dropped connections without losing or repeating a record), lists each record as it
 * is committed, shows the connection's state and reconnects, and charts the append rate from
 * the records received. Pausing closes the tail; resuming opens a new one from the offset
 * after the last record shown, so nothing appended meanwhile is lost. Nothing polls: an idle
 * live view is one idle (hibernating) WebSocket.
 *
 * @example
 * ```ts ignore
 * const live = new LiveView(notices);
 * live.open(client, 120); // from offset 120 on
 * ```
 *
 * @module
 */
import type { LogRecord } from "../core/log.ts";
import type { LogClient } from "../client/log_client.ts";
import { byId } from "./element.ts";
import type { Notices } from "./notices.ts";
import { drawRate } from "./rate_chart.ts";
import { RateWindow } from "./rate.ts";
import { recordItem } from "./record_view.ts";

/** The most records the live list keeps; older ones leave it. */
export const MAX_LIVE_RECORDS = 500;

/** The live section of the page. */
export class LiveView {
  readonly #notices: Notices;
  readonly #list = byId("live", HTMLOListElement);
  readonly #status = byId("live-status", HTMLElement);
  readonly #toggle = byId("live-toggle", HTMLButtonElement);
  readonly #chart = byId("rate-chart", SVGSVGElement);
  readonly #caption = byId("rate-caption", HTMLElement);
  #client: LogClient | undefined;
  #rate = new RateWindow();
  /** Aborts the tail followed now; `undefined` while paused or closed. */
  #following: AbortController | undefined;
  /** The offset the next tail starts from: after the last record shown. */
  #next = 0;
  /** Redraws the chart while it has bars to move (a local timer: no request). */
  #redraw: ReturnType<typeof setInterval> | undefined;
  /** Records received since the last announcement, announced together. */
  #unannounced: LogRecord[] = [];

  /**
   * Binds the view to the page's controls.
   *
   * @param notices Where errors and announcements go.
   */
  constructor(notices: Notices) {
    this.#notices = notices;
    this.#toggle.addEventListener("click", () => {
      if (this.#following === undefined) this.resume();
      else this.pause();
    });
  }

  /**
   * Follows a log (another one, or the same with another client) from an offset.
   *
   * @param client The log's client.
   * @param from The first offset to show.
   */
  open(client: LogClient, from: number): void {
    this.close();
    this.#client = client;
    this.#list.replaceChildren();
    this.#rate = new RateWindow();
    this.#draw();
    this.#follow(from);
  }

  /** Stops following and forgets the log. */
  close(): void {
    this.#following?.abort();
    this.#following = undefined;
    this.#client = undefined;
    this.#stopRedraw();
  }

  /** Closes the tail; {@linkcode LiveView.resume} picks up after the last record shown. */
  pause(): void {
    if (this.#following === undefined) return;
    this.#following.abort();
    this.#following = undefined;
    this.#setToggle(true);
    this.#status.textContent = `Paused after offset ${
      this.#next - 1
    }: records appended meanwhile arrive on resume`;
  }

  /** Follows again from the offset after the last record shown. */
  resume(): void {
    if (this.#following !== undefined || this.#client === undefined) return;
    this.#follow(this.#next);
  }

  #follow(from: number): void {
    const client = this.#client;
    if (client === undefined) return;
    const controller = new AbortController();
    this.#following = controller;
    this.#next = from;
    this.#setToggle(false);
    this.#status.textContent = `Connecting from offset ${from}…`;
    const tail = client.tail(from, {
      signal: controller.signal,
      onConnect: ({ from, reconnect }) => {
        this.#status.textContent = reconnect
          ? `Reconnected: live again from offset ${from}`
          : `Live: following from offset ${from}`;
      },
      onReconnect: ({ attempt, delay, reason }) => {
        this.#status.textContent =
          `Connection lost (${reason}): reconnecting in ${delay} ms, attempt ${attempt}`;
      },
    });
    void (async () => {
      try {
        for await (const record of tail) this.#add(record);
        if (this.#following === controller) {
          this.#following = undefined;
          this.#setToggle(true);
          this.#status.textContent = "The log was deleted: the tail ended";
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (this.#following === controller) this.#following = undefined;
        this.#setToggle(true);
        this.#status.textContent = "Stopped: the tail ended with an error";
        this.#notices.error(error);
      }
    })();
  }

  #add(record: LogRecord): void {
    this.#next = record.offset + 1;
    const list = this.#list;
    // Follows the newest record while the reader is at the bottom, not once they scrolled up.
    const following = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    list.append(recordItem(record, "live"));
    while (list.childElementCount > MAX_LIVE_RECORDS) list.firstElementChild?.remove();
    if (following) list.scrollTop = list.scrollHeight;
    this.#rate.add(record.created.getTime());
    this.#unannounced.push(record);
    if (this.#unannounced.length === 1) {
      // One announcement for the records of one turn (a frame holds many).
      queueMicrotask(() => this.#announce());
    }
    this.#draw();
  }

  #announce(): void {
    const records = this.#unannounced;
    this.#unannounced = [];
    const last = records.at(-1);
    if (last === undefined) return;
    this.#notices.announce(
      records.length === 1
        ? `New record at offset ${last.offset}`
        : `${records.length} new records, the last at offset ${last.offset}`,
    );
  }

  #draw(): void {
    const now = Date.now();
    drawRate(this.#chart, this.#caption, this.#rate, now);
    const moving = this.#rate.counts(now).some((count) => count > 0);
    if (moving && this.#redraw === undefined) {
      this.#redraw = setInterval(() => this.#draw(), this.#rate.bucketMs);
    } else if (!moving) this.#stopRedraw();
  }

  #stopRedraw(): void {
    clearInterval(this.#redraw);
    this.#redraw = undefined;
  }

  #setToggle(paused: boolean): void {
    this.#toggle.textContent = paused ? "Resume" : "Pause";
  }
}
