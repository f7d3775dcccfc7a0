/**
 * The Worker's check of the log name in a request path, remembered per path: every append
 * to a log names it again, and splitting and checking the name (`logPathOf`) was a large
 * part of the Worker's own time per append. The check is a pure function of the path, so
 * its answer is kept for the life of the isolate, for a bounded number of paths.
 *
 * @module
 */
import { type LogPath, logPathOf } from "../../src/protocol/log_name.ts";

/** The most paths remembered; the memory is dropped whole when it is full. */
export const MAX_CHECKED_PATHS = 1024;

const checked = new Map<string, Readonly<LogPath> | undefined>();

/**
 * `logPathOf(path)`, remembered: the log name and route of a path under `/logs/`, checked by
 * the protocol's rules, or `undefined` for any other path. A name that breaks the rules
 * throws each time and is not remembered.
 *
 * @param path The request's raw path.
 * @returns The name and route (frozen: shared by every request to the path).
 * @throws {RangeError} When the name breaks the rules of log names.
 *
 * @example
 * ```ts ignore
 * checkedLogPath("/logs/acme/orders/records"); // { name: "acme/orders", route: "/records" }
 * checkedLogPath("/healthz"); // undefined
 * ```
 */
export function checkedLogPath(path: string): Readonly<LogPath> | undefined {
  const known = checked.get(path);
  if (known !== undefined || checked.has(path)) return known;
  const logPath = logPathOf(path);
  if (checked.size >= MAX_CHECKED_PATHS) checked.clear();
  checked.set(path, logPath === undefined ? undefined : Object.freeze(logPath));
  return logPath;
}
