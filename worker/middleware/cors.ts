/**
 * Browser-facing response policy at the Worker: the origins allowed to call the API (the
 * `CORS_ORIGINS` var), CORS headers and preflights for them (answered here, no object is
 * woken), and `X-Content-Type-Options: nosniff` on every response.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  PREFLIGHT_MAX_AGE,
} from "../../src/protocol/headers.ts";
import { ApiError, isWebSocketUpgrade } from "../http.ts";

/**
 * The origins of `CORS_ORIGINS`: a comma-separated list of exact origins
 * (`https://app.example.com`), or `*` for any origin.
 *
 * @param value The var's value.
 * @returns The allowed origins; none when the var is absent or empty.
 */
export function allowedOrigins(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(",").map((o) => o.trim()).filter((o) => o !== "");
}

/**
 * Whether a browser request from `origin` may call the API: the origin is listed in the
 * comma-separated `origins` (or they are `*`), or it is the API's own origin, that of the
 * request's URL: a page of this Worker, such as the console, which a browser sends an
 * `Origin` with on every `POST`, `PUT`, `DELETE` and WebSocket. In open development mode the
 * own origin counts only on a loopback host (`localhost`, `127.0.0.1`, `[::1]`): a page of
 * another site whose name was made to point at 127.0.0.1 (DNS rebinding) has its own name as
 * the request's host, and stays refused.
 *
 * @param origins The allowed origins (the `CORS_ORIGINS` var's form).
 * @param origin The request's `Origin`.
 * @param url The request's URL.
 * @param open Whether the deployment runs in open development mode (no tokens).
 * @returns `true` when the origin may call.
 */
export function originAllowed(
  origins: string | undefined,
  origin: string,
  url: string,
  open: boolean,
): boolean {
  const allowed = allowedOrigins(origins);
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  const own = new URL(url);
  return origin === own.origin && (!open || isLoopbackHost(own.hostname));
}

/** Whether a URL's hostname names the machine itself. */
function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

const corsHeaders = honoCors({
  origin: (origin) => origin,
  allowMethods: [...CORS_ALLOW_METHODS],
  allowHeaders: [...CORS_ALLOW_HEADERS],
  exposeHeaders: [...CORS_EXPOSE_HEADERS],
  maxAge: PREFLIGHT_MAX_AGE,
});

/**
 * The Hono middleware for origins. A request without `Origin` (curl, servers, SDKs) passes.
 * A request from an origin outside `CORS_ORIGINS` (and not the API's own, see
 * {@linkcode originAllowed}) is refused with 403 `FORBIDDEN` before anything else: that
 * includes WebSocket upgrades, which browsers send cross-origin without any CORS check, and so
 * keeps other web pages away from a local open development server. A request from an allowed
 * origin gets CORS headers; its preflight (`OPTIONS`) is answered 204 here, without a token.
 *
 * @param originsOf The allowed origins (the `CORS_ORIGINS` var's form) of a request's bindings.
 * @param openOf Whether a request's bindings run the API in open development mode.
 * @returns The middleware.
 */
export function cors<E extends object>(
  originsOf: (env: E) => string | undefined,
  openOf: (env: E) => boolean,
): MiddlewareHandler<{
  Bindings: E;
}> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    if (!originAllowed(originsOf(c.env), origin, c.req.url, openOf(c.env))) {
      throw new ApiError(
        "FORBIDDEN",
        `Origin "${origin}" is not allowed: list it in the CORS_ORIGINS var`,
      );
    }
    // CORS does not apply to WebSockets, and a 101 response's headers are immutable.
    if (isWebSocketUpgrade(c.req.raw.headers)) return next();
    return corsHeaders(c, next);
  };
}

/**
 * The Hono middleware that adds `X-Content-Type-Options: nosniff` to every response but a
 * 101 (whose headers are immutable).
 */
export const nosniff: MiddlewareHandler = async (c, next) => {
  await next();
  // A LogObject's answers carry it already: setting it again would copy the response.
  if (c.res.status === 101 || c.res.headers.has("x-content-type-options")) return;
  try {
    c.res.headers.set("x-content-type-options", "nosniff");
  } catch {
    // A response fetched from a LogObject has immutable headers: c.header copies it.
    c.header("x-content-type-options", "nosniff");
  }
};
