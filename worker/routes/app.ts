/**
 * The LogObject's Hono app: every route of the protocol's route table with its handler,
 * the 405 answers (with `Allow` from the same table), the 404 and the error responses.
 *
 * @module
 */
import { Hono } from "hono";
import { getPath } from "hono/utils/url";
import { logPathOf, logRoute } from "../../src/protocol/log_name.ts";
import { allowedMethods, type RoutePattern, type ROUTES } from "../../src/protocol/routes.ts";
import { ApiError, errorResponse, pathOf, wrongMethod as wrongMethodError } from "../http.ts";
import { appendBatch } from "./batch.ts";
import { getBounds, getRange } from "./bounds.ts";
import { getConfig, putConfig } from "./config.ts";
import type { HostEnv, LogHost, RouteHandler } from "./host.ts";
import { deleteLog } from "./log.ts";
import { getMetrics } from "./metrics.ts";
import { appendRecord, readRecord, readRecords } from "./records.ts";
import { openSession } from "./session.ts";
import { openTail } from "./tail.ts";
import { appendStream, createStream, deleteStream, readStream } from "../streams/stream_routes.ts";
import { truncate } from "./truncate.ts";

/**
 * The handler of each method of each route: typed by the protocol's table, so that a route
 * or method without a handler, or a handler without a route, does not compile.
 */
const HANDLERS: { readonly [P in RoutePattern]: Record<keyof typeof ROUTES[P], RouteHandler> } = {
  "/": { DELETE: deleteLog },
  "/records": { GET: readRecords, POST: appendRecord, DELETE: truncate },
  "/records/{offset}": { GET: readRecord },
  "/batch": { POST: appendBatch },
  "/bounds": { GET: getBounds },
  "/range": { GET: getRange },
  "/config": { GET: getConfig, PUT: putConfig },
  "/truncate": { POST: truncate },
  "/tail": { GET: openTail },
  "/session": { GET: openSession },
  "/metrics": { GET: getMetrics },
  "/stream": { GET: readStream, PUT: createStream, POST: appendStream, DELETE: deleteStream },
};

/**
 * Whether a request is a single append (`POST /records`) that the LogObject may hand to
 * `appendRecordOf` without the app: its raw path's route is `/records` exactly (a path with
 * `%` goes through the app, which decodes it before routing).
 *
 * @param request A request to the LogObject.
 * @returns `true` when the app would route it to `appendRecord`.
 */
export function isSingleAppend(request: Request): boolean {
  if (request.method !== "POST") return false;
  const path = pathOf(request.url);
  return path.endsWith("/records") && !path.includes("%") && logRoute(path) === "/records";
}

/**
 * Builds the app of one LogObject; its `fetch` takes the object's {@linkcode LogHost} as
 * the bindings (`app.fetch(request, host)`).
 *
 * @returns The app.
 */
export function buildApp(): Hono<HostEnv> {
  // The route is the path after `/logs/{name}`, decoded as Hono decodes paths.
  const options = { getPath: (request: Request) => logRoute(getPath(request)) };
  const app = new Hono<HostEnv>(options);
  // Routes that exist with other methods answer 405 from a second router, consulted only
  // when `app` has no match: a request then matches exactly one handler in `app`.
  const wrongMethod = new Hono<HostEnv>(options);
  for (const [pattern, handlers] of Object.entries(HANDLERS)) {
    // "/records/{offset}" in the table is "/records/:offset" in Hono.
    const path = pattern.replace(/\{(\w+)\}/g, ":$1");
    for (const [method, handler] of Object.entries<RouteHandler>(handlers)) {
      app.on(method, path, handler);
    }
    const allow = allowedMethods(pattern)!;
    wrongMethod.all(path, (c) => {
      const requested = pathOf(c.req.url);
      const logPath = logPathOf(requested) ?? { route: logRoute(requested) };
      throw wrongMethodError(c.req.method, logPath, allow);
    });
  }
  app.notFound((c) => wrongMethod.fetch(c.req.raw, c.env));
  wrongMethod.notFound((c) =>
    errorResponse(
      new ApiError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${logRoute(pathOf(c.req.url))}`),
    )
  );
  const onError = (error: unknown, c: { env: LogHost }) =>
    errorResponse(error, () => c.env.log().boundsSync().end);
  app.onError(onError);
  wrongMethod.onError(onError);
  return app;
}
