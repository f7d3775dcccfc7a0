/**
 * The rules of log names (PROTOCOL.md, Log names) and how a request path splits into a log
 * name and a route, one definition for both sides: the client checks a name before it goes
 * into a URL (a name that broke them could split into another log's name and a route on the
 * server), the Worker checks every request's name with them, and tokens name tenants and
 * prefixes by the same alphabet.
 *
 * @example
 * ```ts ignore
 * splitLogPath("acme/orders/records/5"); // { name: "acme/orders", route: "/records/5" }
 * ```
 *
 * @module
 */
import { LOGS_PREFIX, ROUTE_SEGMENTS } from "./routes.ts";

/** The longest log name, in characters. */
export const MAX_LOG_NAME_LENGTH = 200;

/** The characters of a name segment, as a character class body. */
const NAME_CHARACTERS = "A-Za-z0-9._~\\-";
const SEGMENT = new RegExp(`^[${NAME_CHARACTERS}]+$`);
const PREFIX = new RegExp(`^[${NAME_CHARACTERS}/]+$`);

/**
 * Whether `segment` may be one `/`-separated segment of a log name, route words aside: one
 * or more characters of `A-Z a-z 0-9 . _ ~ -`, and not `.` or `..`.
 *
 * @param segment The text between two slashes.
 * @returns `true` when it is a valid segment.
 *
 * @example
 * ```ts ignore
 * isNameSegment("acme"); // true
 * isNameSegment(".."); // false
 * ```
 */
export function isNameSegment(segment: string): boolean {
  return SEGMENT.test(segment) && segment !== "." && segment !== "..";
}

/**
 * Whether `prefix` may start log names: 1 to {@linkcode MAX_LOG_NAME_LENGTH} characters of
 * the name alphabet and `/` (a token's `logs` claim).
 *
 * @param prefix The prefix.
 * @returns `true` when it is made of name characters and not too long.
 *
 * @example
 * ```ts ignore
 * isNamePrefix("acme/orders-"); // true
 * ```
 */
export function isNamePrefix(prefix: string): boolean {
  return prefix.length <= MAX_LOG_NAME_LENGTH && PREFIX.test(prefix);
}

/**
 * Checks a log name: 1 to 200 characters of `A-Z a-z 0-9 . _ ~ -` in `/`-separated
 * segments, no empty, `.` or `..` segment, no segment that is a route word.
 *
 * @param name The name.
 * @throws {TypeError} When `name` is not a string.
 * @throws {RangeError} When it breaks a rule.
 *
 * @example
 * ```ts ignore
 * assertLogName("acme/orders"); // passes
 * assertLogName("acme/records"); // throws RangeError
 * ```
 */
export function assertLogName(name: unknown): asserts name is string {
  if (typeof name !== "string") {
    throw new TypeError(`Expected the log name to be a string, got "${typeof name}"`);
  }
  if (name.length === 0 || name.length > MAX_LOG_NAME_LENGTH) {
    throw new RangeError(
      `Expected a log name of 1 to ${MAX_LOG_NAME_LENGTH} characters, got "${name.length}" characters`,
    );
  }
  for (const segment of name.split("/")) {
    if (segment === "") throw new RangeError(`Log name "${name}" has an empty segment`);
    if (segment === "." || segment === "..") {
      throw new RangeError(`Log name "${name}" has a "${segment}" segment`);
    }
    if (!SEGMENT.test(segment)) {
      throw new RangeError(
        `Log name "${name}" may only hold the characters A-Z a-z 0-9 . _ ~ - and /`,
      );
    }
    if (ROUTE_SEGMENTS.has(segment)) {
      throw new RangeError(`Log name "${name}" has the route word "${segment}" as a segment`);
    }
  }
}

/** A path under `/logs/` split into the log's name and the route inside the log. */
export interface LogPath {
  /** The log's name. */
  name: string;
  /** The route inside the log, from `/` (e.g. `/records/5`); `/` for the log itself. */
  route: string;
}

/**
 * Splits the part of a path after `/logs/` at the first route segment.
 *
 * @param rest The raw (percent-encoded) path after `/logs/`.
 * @returns The name and route.
 * @throws {RangeError} When the name breaks the rules of log names; the Worker's error
 * table answers it 400 `BAD_REQUEST`.
 *
 * @example
 * ```ts ignore
 * splitLogPath("a/b/"); // { name: "a/b", route: "/" }
 * ```
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
 *
 * @example
 * ```ts ignore
 * logRoute("/logs/acme/orders/records/5"); // "/records/5"
 * ```
 */
export function logRoute(path: string): string {
  if (!path.startsWith(LOGS_PREFIX)) return path;
  const segments = path.slice(LOGS_PREFIX.length).split("/");
  return "/" + segments.slice(routeIndex(segments)).join("/");
}

/**
 * The part of a path under `/logs/` split into name and route, or `undefined` for any other
 * path.
 *
 * @param path The request's raw path.
 * @returns The name and route, checked by {@linkcode splitLogPath}.
 * @throws {RangeError} When the name breaks the rules of log names.
 *
 * @example
 * ```ts ignore
 * logPathOf("/healthz"); // undefined
 * ```
 */
export function logPathOf(path: string): LogPath | undefined {
  return path.startsWith(LOGS_PREFIX) ? splitLogPath(path.slice(LOGS_PREFIX.length)) : undefined;
}

/** The index of the first route segment, or the number of segments when there is none. */
function routeIndex(segments: readonly string[]): number {
  const at = segments.findIndex((s) => ROUTE_SEGMENTS.has(s));
  return at === -1 ? segments.length : at;
}
