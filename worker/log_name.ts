/**
 * Log names and how a request path splits into a log name and a route.
 *
 * @module
 */
import { assertLogName, ROUTE_SEGMENTS } from "../src/protocol/log_name.ts";

/** A path under `/logs/` split into the log's name and the route inside the log. */
export interface LogPath {
  /** The log's name. */
  name: string;
  /** The route inside the log, from `/` (e.g. `/records/5`); `/` for the log itself. */
  route: string;
}

/** The prefix of every path that reaches a log: `/logs/{name}/{route}`. */
export const LOGS_PREFIX = "/logs/";

/**
 * Splits the part of a path after `/logs/` at the first route segment.
 *
 * @param rest The raw (percent-encoded) path after `/logs/`.
 * @returns The name and route.
 * @throws {RangeError} When the name breaks the rules of log names (src/protocol/log_name.ts);
 * the error table answers it 400 `BAD_REQUEST`.
 */
export function splitLogPath(rest: string): LogPath {
  // Names never need percent-encoding: an encoded character is outside the alphabet.
  const segments = rest.split("/");
  const at = routeIndex(segments);
  // A trailing slash after the name is not part of it: "/logs/a/" is the log "a".
  const nameSegments = segments.slice(0, at);
  if (at === segments.length && nameSegments.length > 1 && nameSegments.at(-1) === "") {
    nameSegments.pop();
  }
  const name = nameSegments.join("/");
  assertLogName(name);
  return { name, route: "/" + segments.slice(at).join("/") };
}

/**
 * The route of a path under `/logs/`, split as {@linkcode splitLogPath} splits it but
 * without checking the name: for the LogObject, whose requests the Worker has checked.
 *
 * @param path A path that starts with `/logs/`; any other path is returned unchanged.
 * @returns The route inside the log, from `/`.
 */
export function logRoute(path: string): string {
  if (!path.startsWith(LOGS_PREFIX)) return path;
  const segments = path.slice(LOGS_PREFIX.length).split("/");
  return "/" + segments.slice(routeIndex(segments)).join("/");
}

/** The index of the first route segment, or the number of segments when there is none. */
function routeIndex(segments: readonly string[]): number {
  const at = segments.findIndex((s) => ROUTE_SEGMENTS.has(s));
  return at === -1 ? segments.length : at;
}
