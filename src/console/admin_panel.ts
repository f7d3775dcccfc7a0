/**
 * The admin section: truncate (drop the records below an offset) and the log's config
 * (largest record, segment size, retention by age), each behind a confirmation. Shown to a
 * token that claims the `admin` right, and in open development mode (no token); the server
 * decides in any case, and its refusal shows as the protocol's error.
 *
 * @example
 * ```ts ignore
 * const admin = new AdminPanel(notices, () => refresh());
 * admin.open(client, await client.config(), true);
 * ```
 *
 * @module
 */
import type { LogClient, LogConfigChanges } from "../client/log_client.ts";
import type { LogConfig } from "../protocol/config.ts";
import { confirmAction } from "./confirm_dialog.ts";
import { byId } from "./element.ts";
import type { Notices } from "./notices.ts";

/** The config fields the form edits. */
type ConfigField = "maxRecordSize" | "maxSegmentSize" | "maxAge";

/** The admin section of the page. */
export class AdminPanel {
  readonly #notices: Notices;
  readonly #onChanged: () => void;
  readonly #forms = byId("admin-forms", HTMLElement);
  readonly #denied = byId("admin-denied", HTMLElement);
  readonly #result = byId("admin-result", HTMLElement);
  readonly #before = byId("truncate-before", HTMLInputElement);
  readonly #inputs: Readonly<Record<ConfigField, HTMLInputElement>> = {
    maxRecordSize: byId("cfg-record-input", HTMLInputElement),
    maxSegmentSize: byId("cfg-segment-input", HTMLInputElement),
    maxAge: byId("cfg-age-input", HTMLInputElement),
  };
  #client: LogClient | undefined;
  #config: LogConfig | undefined;

  /**
   * Binds the panel to the page's controls.
   *
   * @param notices Where errors go.
   * @param onChanged Called after a change (the summary and pages reread the log).
   */
  constructor(notices: Notices, onChanged: () => void) {
    this.#notices = notices;
    this.#onChanged = onChanged;
    byId("truncate-form", HTMLFormElement).addEventListener("submit", (event) => {
      event.preventDefault();
      void this.truncate();
    });
    byId("config-form", HTMLFormElement).addEventListener("submit", (event) => {
      event.preventDefault();
      void this.configure();
    });
  }

  /**
   * Shows the panel for a log.
   *
   * @param client The log's client.
   * @param config The log's config, to fill the form with.
   * @param allowed Whether to offer the actions (`false`: a note says the token lacks `admin`).
   */
  open(client: LogClient, config: LogConfig, allowed: boolean): void {
    this.#client = client;
    this.#forms.hidden = !allowed;
    this.#denied.hidden = allowed;
    this.#result.textContent = "";
    this.#fill(config);
  }

  /** Truncates, once confirmed. */
  async truncate(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const text = this.#before.value;
    const before = Number(text);
    if (text.trim() === "" || !Number.isSafeInteger(before) || before < 0) {
      this.#notices.error(new RangeError(`Expected an offset (an integer from 0), got "${text}"`));
      return;
    }
    const confirmed = await confirmAction(
      `Drop every record of "${client.name}" below offset ${before}? They cannot be read again, ` +
        "and their offsets are never used again.",
      "Truncate",
    );
    if (!confirmed) return;
    try {
      const { begin, end } = await client.truncate(before);
      this.#result.textContent =
        `Truncated: the log holds offsets ${begin} to ${end} (end excluded)`;
      this.#notices.clear();
      this.#onChanged();
    } catch (error) {
      this.#notices.error(error);
    }
  }

  /** Saves the config form's changes, once confirmed. */
  async configure(): Promise<void> {
    const client = this.#client;
    const current = this.#config;
    if (client === undefined || current === undefined) return;
    let changes: LogConfigChanges;
    try {
      changes = this.#changes(current);
    } catch (error) {
      this.#notices.error(error);
      return;
    }
    const names = Object.entries(changes).map(([key, value]) =>
      `${key} ${value === null ? "unlimited" : value}`
    );
    if (names.length === 0) {
      this.#result.textContent = "Nothing to save: the form holds the log's config";
      return;
    }
    const confirmed = await confirmAction(
      `Set ${names.join(", ")} for "${client.name}"? Retention applies from the next append.`,
      "Save config",
    );
    if (!confirmed) return;
    try {
      const config = await client.configure(changes);
      this.#fill(config);
      this.#result.textContent = "Saved the config";
      this.#notices.clear();
      this.#onChanged();
    } catch (error) {
      this.#notices.error(error);
    }
  }

  #fill(config: LogConfig): void {
    this.#config = config;
    this.#inputs.maxRecordSize.value = String(config.maxRecordSize);
    this.#inputs.maxSegmentSize.value = config.maxSegmentSize === null
      ? ""
      : String(config.maxSegmentSize);
    this.#inputs.maxAge.value = config.maxAge === null ? "" : String(config.maxAge);
  }

  /** The fields of the form that differ from the log's config. */
  #changes(current: LogConfig): LogConfigChanges {
    const changes: LogConfigChanges = {};
    const read = (name: ConfigField, optional: boolean): number | null => {
      const text = this.#inputs[name].value.trim();
      if (text === "" && optional) return null;
      const value = Number(text);
      if (text === "" || !Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`Expected ${name} to be a positive integer, got "${text}"`);
      }
      return value;
    };
    const record = read("maxRecordSize", false);
    if (record !== null && record !== current.maxRecordSize) changes.maxRecordSize = record;
    const segment = read("maxSegmentSize", true);
    if (segment !== current.maxSegmentSize) changes.maxSegmentSize = segment;
    const age = read("maxAge", true);
    if (age !== current.maxAge) changes.maxAge = age;
    return changes;
  }
}
