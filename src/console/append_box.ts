/**
 * The append box: text as one record, text as a batch of one record per line (appended
 * atomically, `appendBatch`), or a file as one record; it shows the offsets the server gave.
 * Appends go through the client, exactly once (its producer and retries).
 *
 * @example
 * ```ts ignore
 * const box = new AppendBox(notices, () => summary.refresh());
 * box.open(client);
 * ```
 *
 * @module
 */
import type { LogClient } from "../client/log_client.ts";
import { byId } from "./element.ts";
import type { Notices } from "./notices.ts";

/** The append section of the page. */
export class AppendBox {
  readonly #notices: Notices;
  readonly #onAppended: () => void;
  readonly #form = byId("append-form", HTMLFormElement);
  readonly #text = byId("append-text", HTMLTextAreaElement);
  readonly #file = byId("append-file", HTMLInputElement);
  readonly #result = byId("append-result", HTMLElement);
  #client: LogClient | undefined;

  /**
   * Binds the box to the page's controls.
   *
   * @param notices Where errors and announcements go.
   * @param onAppended Called after each append.
   */
  constructor(notices: Notices, onAppended: () => void) {
    this.#notices = notices;
    this.#onAppended = onAppended;
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.append();
    });
  }

  /**
   * Appends to another log from now on.
   *
   * @param client The log's client.
   */
  open(client: LogClient): void {
    this.#client = client;
    this.#result.textContent = "";
  }

  /**
   * Appends what the form holds: the file if one is chosen, else the text.
   *
   * @returns Once the offsets, or the error, are shown.
   */
  async append(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const submit = this.#form.querySelector("button[type=submit]");
    if (submit instanceof HTMLButtonElement) submit.disabled = true;
    try {
      const result = await this.#send(client);
      this.#result.textContent = result;
      this.#notices.announce(result);
      this.#notices.clear();
      this.#onAppended();
    } catch (error) {
      this.#result.textContent = "";
      this.#notices.error(error);
    } finally {
      if (submit instanceof HTMLButtonElement) submit.disabled = false;
    }
  }

  async #send(client: LogClient): Promise<string> {
    const encoder = new TextEncoder();
    const file = this.#file.files?.[0];
    if (file !== undefined) {
      const offset = await client.append(new Uint8Array(await file.arrayBuffer()));
      this.#file.value = "";
      return `Appended the file "${file.name}" (${file.size} bytes) at offset ${offset}`;
    }
    const mode = this.#form.querySelector<HTMLInputElement>("input[name=append-mode]:checked");
    const text = this.#text.value;
    if (mode?.value === "lines") {
      const lines = text.split(/\r?\n/).filter((line) => line !== "");
      if (lines.length === 0) throw new RangeError("Expected at least one line that is not empty");
      const first = await client.appendBatch(lines.map((line) => encoder.encode(line)));
      this.#text.value = "";
      return lines.length === 1
        ? `Appended 1 record at offset ${first}`
        : `Appended ${lines.length} records at offsets ${first} to ${first + lines.length - 1}`;
    }
    if (text === "") throw new RangeError("Expected a record: the text is empty");
    const offset = await client.append(encoder.encode(text));
    this.#text.value = "";
    return `Appended 1 record at offset ${offset}`;
  }
}
