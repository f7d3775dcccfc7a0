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

/** Whether `origin` may call the API under the comma-separated `origins`. */
function allows(origins: string | undefined, origin: string): boolean {
  const allowed = allowedOrigins(origins);
  return allowed.includes("*") || allowed.includes(origin);
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
 * A request from an origin outside `CORS_ORIGINS` is refused with 403 `FORBIDDEN` before
 * anything else: that includes WebSocket upgrades, which browsers send cross-origin without
 * any CORS check, and so keeps other web pages away from a local open development server.
 * A request from an allowed origin gets CORS headers; its preflight (`OPTIONS`) is answered
 * 204 here, without a token.
 *
 * @param originsOf The allowed origins (the `CORS_ORIGINS` var's form) of a request's bindings.
 * @returns The middleware.
 */
export function cors<E extends object>(
  originsOf: (env: E) => string | undefined,
): MiddlewareHandler<{
  Bindings: E;
}> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    if (!allows(originsOf(c.env), origin)) {
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
