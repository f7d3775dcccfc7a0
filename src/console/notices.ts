/**
 * The console's two live regions: errors (`role="alert"`, read out at once) shown as the
 * protocol's code, status and message, and short announcements of what changed (new records,
 * an append's offsets) for screen readers (`aria-live="polite"`).
 *
 * @example
 * ```ts ignore
 * const notices = new Notices(byId("error", HTMLElement), byId("announce", HTMLElement));
 * notices.error(new HttpError("FORBIDDEN", 403, "No append right"));
 * ```
 *
 * @module
 */
import { errorText } from "./error_text.ts";

/** Where the console tells of errors and changes. */
export class Notices {
  readonly #error: HTMLElement;
  readonly #announce: HTMLElement;

  /**
   * Notices in two elements of the page.
   *
   * @param error The alert region.
   * @param announce The polite live region.
   */
  constructor(error: HTMLElement, announce: HTMLElement) {
    this.#error = error;
    this.#announce = announce;
  }

  /**
   * Shows an error until the next one, or until {@linkcode Notices.clear}.
   *
   * @param error What was thrown.
   */
  error(error: unknown): void {
    this.#error.textContent = errorText(error);
    this.#error.hidden = false;
  }

  /** Hides the error shown. */
  clear(): void {
    this.#error.hidden = true;
    this.#error.textContent = "";
  }

  /**
   * Tells screen readers of a change.
   *
   * @param text One short sentence.
   */
  announce(text: string): void {
    this.#announce.textContent = text;
  }
}
