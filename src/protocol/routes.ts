/**
 * The routes of the edgelog HTTP API (PROTOCOL.md, Routes) and the right each needs
 * (PROTOCOL.md, Authentication): one table that the Worker authorizes and routes by, that
 * the LogObject's 405 answers list methods from, and that splits a path into a log name and
 * a route.
 *
 * @example
 * ```ts
 * import { requiredRight } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * assert.equal(requiredRight("GET", "/records/7"), "read");
 * ```
 *
 * @module
 */

/**
 * A right: `read` (read records, bounds, range, config, and tail), `append` (append records
 * and batches, also over an append session) or `admin` (truncate, change the config, delete the log,
 * read the object's metrics).
 */
export type Right = "read" | "append" | "admin";

/** Every right a token can hold. Rights are independent: `admin` implies neither other. */
export const RIGHTS: readonly Right[] = ["read", "append", "admin"];

/** The prefix of every path that reaches a log: `/logs/{name}/{route}`. */
export const LOGS_PREFIX = "/logs/";

/** The health check outside `/logs/`: `GET` only and without a token. */
export const HEALTH_PATH = "/healthz";

/**
 * The web console's page, outside `/logs/` (so no log name or route word can reach it),
 * served by the repository's Worker without a token: `GET /console/`, its assets beside it
 * (`/console/console.js`, ...); `/console` redirects to `/console/`. The page talks to the
 * API of the same origin through the client.
 */
export const CONSOLE_PATH = "/console";

/**
 * The route table with its literal types, for code that must serve every route: the Worker
 * types its handler table by it, so a route without a handler does not compile. The order
 * of the methods is the order of the `Allow` header.
 */
export const ROUTES = {
  "/": { DELETE: "admin" },
  "/records": { GET: "read", POST: "append", DELETE: "admin" },
  "/records/{offset}": { GET: "read" },
  "/batch": { POST: "append" },
  "/bounds": { GET: "read" },
  "/range": { GET: "read" },
  "/config": { GET: "read", PUT: "admin" },
  "/truncate": { POST: "admin" },
  "/tail": { GET: "read" },
  "/session": { GET: "append" },
  "/metrics": { GET: "admin" },
  // The log as a Durable Streams stream: what the Worker serves at `/v1/stream/{name}`
  // (PROTOCOL.md, Durable Streams; HEAD takes GET's right).
  "/stream": { GET: "read", PUT: "admin", POST: "append", DELETE: "admin" },
} as const;

/** A route pattern of {@linkcode ROUTES}: the path after `/logs/{name}`. */
export type RoutePattern = keyof typeof ROUTES;

/**
 * The routes inside a log (the path after `/logs/{name}`, see PROTOCOL.md) and the right each
 * method needs. `{offset}` stands for one path segment. `HEAD` is served as `GET`.
 */
export const ROUTE_RIGHTS: Readonly<Record<string, Readonly<Record<string, Right>>>> = ROUTES;

/**
 * Path segments that start a route inside a log, so they cannot be segments of a name:
 * `/logs/{name}/{route...}` splits at the first of them. The first segments of the
 * patterns of {@linkcode ROUTES}.
 */
export const ROUTE_SEGMENTS: ReadonlySet<string> = new Set(
  Object.keys(ROUTES).map((pattern) => pattern.split("/")[1]!).filter((s) => s !== ""),
);

/**
 * A query parameter of the API: each takes one non-negative integer (PROTOCOL.md, Routes):
 * an offset, a count, or for `since` a time in milliseconds since the Unix epoch.
 */
export type QueryParam = "from" | "limit" | "expected" | "before" | "since";

/**
 * The query parameters each method of each route takes. A route or method not listed takes
 * none, and the server refuses any parameter a route does not take (400 `BAD_REQUEST`).
 * `HEAD` takes what `GET` takes.
 */
export const ROUTE_QUERIES: {
  readonly [P in RoutePattern]?: {
    readonly [M in keyof typeof ROUTES[P]]?: readonly QueryParam[];
  };
} = {
  "/records": { GET: ["from", "limit", "since"], POST: ["expected"], DELETE: ["before"] },
  "/batch": { POST: ["expected"] },
  "/truncate": { POST: ["before"] },
  "/tail": { GET: ["from", "since"] },
};

/**
 * The query parameters one method of one route takes ({@linkcode ROUTE_QUERIES}).
 *
 * @param pattern The route pattern.
 * @param method One of its methods.
 * @returns The parameters; none for most routes.
 *
 * @example
 * ```ts ignore
 * routeQuery("/records", "GET"); // ["from", "limit", "since"]
 * routeQuery("/bounds", "GET"); // []
 * ```
 */
export function routeQuery<P extends RoutePattern>(
  pattern: P,
  method: keyof typeof ROUTES[P],
): readonly QueryParam[] {
  const methods = ROUTE_QUERIES[pattern] as
    | Readonly<Record<PropertyKey, readonly QueryParam[] | undefined>>
    | undefined;
  return methods?.[method] ?? [];
}

/** The `Allow` header of each pattern, from the table: computed once, not per request. */
const ALLOW: ReadonlyMap<string, string> = new Map(
  Object.entries(ROUTES).map(([pattern, methods]) => [pattern, Object.keys(methods).join(", ")]),
);

/**
 * The pattern of {@linkcode ROUTES} a route inside a log matches.
 *
 * @param route The path after `/logs/{name}`, from `/` (e.g. `/records/5`), or a pattern.
 * @returns The pattern (e.g. `/records/{offset}`), or `undefined` when there is no such
 * route.
 *
 * @example
 * ```ts ignore
 * routePattern("/records/5"); // "/records/{offset}"
 * ```
 */
export function routePattern(route: string): RoutePattern | undefined {
  const pattern = /^\/records\/[^/]+$/.test(route) ? "/records/{offset}" : route;
  return Object.hasOwn(ROUTES, pattern) ? pattern as RoutePattern : undefined;
}

/**
 * The methods of a route inside a log and the right each needs.
 *
 * @param route The path after `/logs/{name}`, from `/` (e.g. `/records/5`).
 * @returns The methods and their rights, or `undefined` when there is no such route.
 *
 * @example
 * ```ts
 * import { routeRights } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(routeRights("/records/5"), { GET: "read" });
 * assert.equal(routeRights("/records/5/x"), undefined);
 * ```
 */
export function routeRights(route: string): Readonly<Record<string, Right>> | undefined {
  const pattern = routePattern(route);
  return pattern === undefined ? undefined : ROUTE_RIGHTS[pattern];
}

/**
 * The right a request needs.
 *
 * @param method The HTTP method.
 * @param route The path after `/logs/{name}`, from `/`.
 * @returns The right, or `undefined` when the route does not exist or does not take
 * `method`.
 *
 * @example
 * ```ts
 * import { requiredRight } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * assert.equal(requiredRight("POST", "/batch"), "append");
 * assert.equal(requiredRight("DELETE", "/"), "admin");
 * assert.equal(requiredRight("PATCH", "/records"), undefined);
 * ```
 */
export function requiredRight(method: string, route: string): Right | undefined {
  const rights = routeRights(route);
  if (rights === undefined) return undefined;
  const served = method === "HEAD" ? "GET" : method;
  return Object.hasOwn(rights, served) ? rights[served] : undefined;
}

/**
 * The `Allow` header of a route: its methods in the table's order (`HEAD` is not listed),
 * as a 405 `METHOD_NOT_ALLOWED` answer carries it.
 *
 * @param route The path after `/logs/{name}`, from `/`, or a pattern.
 * @returns The methods, e.g. `"GET, POST, DELETE"`, or `undefined` when there is no such
 * route.
 *
 * @example
 * ```ts ignore
 * allowedMethods("/config"); // "GET, PUT"
 * ```
 */
export function allowedMethods(route: string): string | undefined {
  const pattern = routePattern(route);
  return pattern === undefined ? undefined : ALLOW.get(pattern);
}
