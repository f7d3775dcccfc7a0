/**
 * How the console shows a record's bytes: as text, as pretty-printed JSON, or as a hex dump,
 * chosen by content ({@linkcode detectFormat}) and switchable per record
 * ({@linkcode formatRecord}). No DOM: the same functions run in tests under Deno.
 *
 * @example
 * ```ts
 * import { detectFormat, formatRecord } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * const json = new TextEncoder().encode('{"a":1}');
 * assert.equal(detectFormat(json), "json");
 * assert.equal(formatRecord(json, "json"), '{\n  "a": 1\n}');
 * assert.equal(detectFormat(new Uint8Array([0, 255])), "hex");
 * ```
 *
 * @module
 */

/** A way to show a record's data. */
export type RecordFormat = "text" | "json" | "hex";

/** Every format, in the order the console offers them. */
export const RECORD_FORMATS: readonly RecordFormat[] = ["text", "json", "hex"];

/** The most bytes shown of one record; the rest is counted, not shown. */
export const MAX_SHOWN_BYTES = 64 * 1024;

/** The most bytes of one record shown as hex (16 per line). */
export const MAX_HEX_BYTES = 4096;

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The record's data as UTF-8 text, or `undefined` when it is not valid UTF-8 or holds
 * control characters other than tab, line feed and carriage return (binary data).
 *
 * @param data The record's bytes.
 * @returns The text, or `undefined`.
 *
 * @example
 * ```ts
 * import { textOf } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(textOf(new TextEncoder().encode("héllo")), "héllo");
 * assert.equal(textOf(new Uint8Array([0xff])), undefined);
 * assert.equal(textOf(new Uint8Array([1, 2, 3])), undefined);
 * ```
 */
export function textOf(data: Uint8Array): string | undefined {
  let text: string;
  try {
    text = STRICT_UTF8.decode(data);
  } catch {
    return undefined;
  }
  // deno-lint-ignore no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

/**
 * The value of a record that is a JSON object or array, or `undefined` for any other
 * record (plain numbers and strings read better as text).
 *
 * @param data The record's bytes.
 * @returns The parsed value, or `undefined`.
 *
 * @example
 * ```ts
 * import { jsonOf } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(jsonOf(new TextEncoder().encode(' [1, 2] ')), [1, 2]);
 * assert.equal(jsonOf(new TextEncoder().encode("42")), undefined);
 * assert.equal(jsonOf(new TextEncoder().encode("{oops")), undefined);
 * ```
 */
export function jsonOf(data: Uint8Array): unknown {
  const text = textOf(data)?.trim();
  if (text === undefined || !(text.startsWith("{") || text.startsWith("["))) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The format a record is shown in at first: JSON for a JSON object or array, text for other
 * UTF-8 text, hex for anything else.
 *
 * @param data The record's bytes.
 * @returns The format.
 *
 * @example
 * ```ts
 * import { detectFormat } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(detectFormat(new TextEncoder().encode("hello")), "text");
 * ```
 */
export function detectFormat(data: Uint8Array): RecordFormat {
  if (data.byteLength > MAX_SHOWN_BYTES) return textOf(data) === undefined ? "hex" : "text";
  if (jsonOf(data) !== undefined) return "json";
  return textOf(data) === undefined ? "hex" : "text";
}

/**
 * A record's data in a format, as the console shows it. Text that is not valid UTF-8 shows
 * its undecodable bytes as U+FFFD; data that is not JSON, asked for as JSON, says so and
 * shows its text. At most {@linkcode MAX_SHOWN_BYTES} (as hex {@linkcode MAX_HEX_BYTES}) are
 * shown; a last line counts the rest.
 *
 * @param data The record's bytes.
 * @param format The format.
 * @returns The text to show.
 *
 * @example
 * ```ts
 * import { formatRecord } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatRecord(new TextEncoder().encode("hi!"), "hex"),
 *   "00000000  68 69 21  |hi!|",
 * );
 * ```
 */
export function formatRecord(data: Uint8Array, format: RecordFormat): string {
  if (format === "hex") {
    const shown = data.subarray(0, MAX_HEX_BYTES);
    return withRest(hexDump(shown), data.byteLength - shown.byteLength);
  }
  const shown = data.subarray(0, MAX_SHOWN_BYTES);
  const rest = data.byteLength - shown.byteLength;
  if (format === "json" && rest === 0) {
    const value = jsonOf(shown);
    if (value !== undefined) return JSON.stringify(value, null, 2);
    return `(not JSON)\n${new TextDecoder().decode(shown)}`;
  }
  return withRest(new TextDecoder().decode(shown), rest);
}

/**
 * A hex dump: per 16 bytes the offset, the bytes in hex and the printable ASCII ones (the
 * last line padded so that the ASCII column lines up, when there is more than one).
 *
 * @param data The bytes.
 * @returns The dump, one line per 16 bytes.
 *
 * @example
 * ```ts
 * import { hexDump } from "./record_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hexDump(new Uint8Array([0, 65])), "00000000  00 41  |.A|");
 * ```
 */
export function hexDump(data: Uint8Array): string {
  const lines: string[] = [];
  // The ASCII column lines up across lines; one line needs no padding.
  const width = data.byteLength > 16 ? 47 : 0;
  for (let at = 0; at < data.byteLength; at += 16) {
    const row = data.subarray(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."))
      .join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(width)}  |${ascii}|`);
  }
  return lines.join("\n");
}

function withRest(text: string, rest: number): string {
  return rest > 0 ? `${text}\n… ${rest} more bytes not shown` : text;
}
