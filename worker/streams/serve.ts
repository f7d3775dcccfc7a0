/**
 * The Worker's side of `/v1/stream/{name}` (PROTOCOL.md, Durable Streams): the same
 * authorization as `/logs/{name}/...` (the route `/stream` of the log, with its rights), the
 * CORS and browser security headers of the protocol, live reads held here (`./live.ts`), and
 * every other request handed to the LogObject of that name as `/logs/{name}/stream`.
 *
 * @module
 */
import { LOGS_PREFIX } from "../../src/protocol/routes.ts";
import type { LogPath } from "../../src/protocol/log_name.ts";
import {
  CROSS_ORIGIN_RESOURCE_POLICY,
  LIVE_PARAM,
  OFFSET_PARAM,
  STREAM_CORS_ALLOW_HEADERS,
  STREAM_CORS_ALLOW_METHODS,
  STREAM_CORS_EXPOSE_HEADERS,
  STREAM_ROUTE,
  STREAMS_PREFIX,
} from "../../src/protocol/streams/headers.ts";
import { PREFLIGHT_MAX_AGE } from "../../src/protocol/headers.ts";
import { ApiError, declaresOversizedBody, discardBody, errorResponse } from "../http.ts";
import { originAllowed } from "../middleware/cors.ts";
import { hasCredentials, HookResponse, withoutCredentials } from "../middleware/auth.ts";
import { longPoll, type ObjectFetch, sse } from "./live.ts";

/** What {@linkcode serveStream} needs of the mounted API. */
export interface StreamServing {
  /** Checks the caller's grant for a path under `/logs/` (as every log route does). */
  authorize(
    request: Request,
    path: string,
  ): Readonly<LogPath> | undefined | Promise<Readonly<LogPath> | undefined>;
  /** Sends a request to the LogObject of a log. */
  send(name: string, request: Request): Promise<Response>;
  /** The origins allowed to call from a browser (the `CORS_ORIGINS` var). */
  corsOrigins: string | undefined;
  /** Whether the API runs in open development mode (no tokens): see `originAllowed`. */
  openDev: boolean;
}

/**
 * Serves one request under `/v1/stream/`.
 *
 * @param request The request, its path under `/v1/stream/`.
 * @param path Its path.
 * @param serving The API's authorization, objects and CORS origins.
 * @returns The answer.
 */
export async function serveStream(
  request: Request,
  path: string,
  serving: StreamServing,
): Promise<Response> {
  const origin = request.headers.get("origin");
  const allowed = origin !== null &&
    originAllowed(serving.corsOrigins, origin, request.url, serving.openDev);
  let response: Response;
  try {
    if (request.method === "OPTIONS") {
      response = preflight(allowed ? origin : null);
    } else {
      if (origin !== null && !allowed) {
        throw new ApiError(
          "FORBIDDEN",
          `Origin "${origin}" is not allowed: list it in the CORS_ORIGINS var`,
        );
      }
      response = await forward(request, path, serving);
    }
  } catch (error) {
    await discardBody(request);
    response = error instanceof HookResponse ? error.response : errorResponse(error);
    if (request.method === "HEAD") response = new Response(null, response);
  }
  return decorate(response, request, allowed ? origin : null);
}

/** Authorizes the request and hands it to the object, or holds it as a live read. */
async function forward(request: Request, path: string, serving: StreamServing): Promise<Response> {
  let name = path.slice(STREAMS_PREFIX.length);
  if (name.endsWith("/")) name = name.slice(0, -1);
  const logsPath = `${LOGS_PREFIX}${name}${STREAM_ROUTE}`;
  const logPath = await serving.authorize(request, logsPath);
  if (logPath === undefined || logPath.name !== name || logPath.route !== STREAM_ROUTE) {
    throw new ApiError(
      "BAD_REQUEST",
      `"${name}" cannot name a stream: a segment of it is a route of the edgelog API`,
    );
  }
  const url = new URL(request.url);
  url.pathname = logsPath;
  const send: ObjectFetch = (r) => serving.send(name, r);
  const live = url.searchParams.get(LIVE_PARAM);
  if (request.method === "GET" && (live === "long-poll" || live === "sse")) {
    if (!url.searchParams.has(OFFSET_PARAM)) {
      throw new ApiError("BAD_REQUEST", `A live read (${live}) needs an offset parameter`);
    }
    const signal = request.signal;
    return live === "sse" ? await sse(send, url, signal) : await longPoll(send, url, signal);
  }
  let forwarded = new Request(url, request);
  if (hasCredentials(forwarded.headers)) withoutCredentials(forwarded.headers);
  // As for /logs/: the object refuses such a body from its Content-Length, and a body handed
  // on would still be flowing after the answer (see mount.ts).
  if (declaresOversizedBody(request.headers)) forwarded = new Request(forwarded, { body: null });
  const response = await send(forwarded);
  if (response.status === 201) {
    const created = new Response(response.body, response);
    created.headers.set("location", request.url.replace(/[?#].*$/, ""));
    return created;
  }
  return response;
}

/** The answer to a CORS preflight (with `Access-Control-Allow-Origin` for allowed origins). */
function preflight(origin: string | null): Response {
  const headers = new Headers({
    "access-control-allow-methods": STREAM_CORS_ALLOW_METHODS.join(", "),
    "access-control-allow-headers": STREAM_CORS_ALLOW_HEADERS.join(", "),
    "access-control-max-age": String(PREFLIGHT_MAX_AGE),
  });
  if (origin !== null) {
    headers.set("access-control-allow-origin", origin);
    headers.set("vary", "Origin");
  }
  return new Response(null, { status: 204, headers });
}

/** Adds the browser security headers, and CORS headers for an allowed origin. */
function decorate(response: Response, request: Request, origin: string | null): Response {
  // The object's answers have immutable headers; an SSE body passes through unchanged.
  const out = new Response(request.method === "HEAD" ? null : response.body, response);
  out.headers.set("x-content-type-options", "nosniff");
  out.headers.set("cross-origin-resource-policy", CROSS_ORIGIN_RESOURCE_POLICY);
  if (origin !== null) {
    out.headers.set("access-control-allow-origin", origin);
    out.headers.set("access-control-expose-headers", STREAM_CORS_EXPOSE_HEADERS.join(", "));
    out.headers.append("vary", "Origin");
  }
  return out;
}
