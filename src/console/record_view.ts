/**
 * One record as the console lists it: offset, creation time and size, then its data in the
 * format chosen by content, with a labelled control to show it as text, JSON or hex.
 *
 * @example
 * ```ts ignore
 * list.append(recordItem({ offset: 0, created: new Date(), data: bytes }, "page"));
 * ```
 *
 * @module
 */
import type { LogRecord } from "../core/log.ts";
import { element } from "./element.ts";
import { detectFormat, formatRecord, RECORD_FORMATS, type RecordFormat } from "./record_format.ts";

const FORMAT_NAMES: Readonly<Record<RecordFormat, string>> = {
  text: "Text",
  json: "JSON",
  hex: "Hex",
};

/**
 * A list item for a record.
 *
 * @param record The record.
 * @param list The id of the list it goes into, to make the ids of its controls unique.
 * @returns The item, with `data-offset` and `data-format` set.
 */
export function recordItem(record: LogRecord, list: string): HTMLLIElement {
  const format = detectFormat(record.data);
  const selectId = `${list}-format-${record.offset}`;
  const select = element("select", { id: selectId });
  for (const f of RECORD_FORMATS) {
    const option = element("option", { value: f }, FORMAT_NAMES[f]);
    option.selected = f === format;
    select.append(option);
  }
  const data = element("pre", {}, formatRecord(record.data, format));
  const item = element(
    "li",
    { "data-offset": String(record.offset), "data-format": format },
    element(
      "div",
      { class: "record-meta" },
      element("span", { class: "offset" }, `#${record.offset}`),
      element("time", { datetime: record.created.toISOString() }, timeText(record.created)),
      element("span", {}, sizeText(record.data.byteLength)),
      element(
        "label",
        { for: selectId, class: "visually-hidden" },
        `Show record ${record.offset} as`,
      ),
      select,
    ),
    data,
  );
  select.addEventListener("change", () => {
    const chosen = select.value as RecordFormat;
    item.dataset.format = chosen;
    data.textContent = formatRecord(record.data, chosen);
  });
  return item;
}

/** A creation time as the console shows it: local date and time to the millisecond. */
function timeText(created: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${created.getFullYear()}-${pad(created.getMonth() + 1)}-${pad(created.getDate())} ` +
    `${pad(created.getHours())}:${pad(created.getMinutes())}:${pad(created.getSeconds())}.` +
    pad(created.getMilliseconds(), 3);
}

/** A size in bytes, in words. */
function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
