/**
 * Authentication and authorization at the Worker, before a request reaches a LogObject:
 * bearer tokens (src/token.ts) in the `Authorization` header or, for a tail, in the
 * WebSocket subprotocol offer; the tenant and log-name prefix a token covers; the right
 * each route needs. See PROTOCOL.md, "Authentication".
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import {
  coversLog,
  InvalidTokenError,
  MIN_SECRET_BYTES,
  routeRights,
  type TokenClaims,
  verifyToken,
} from "../src/token.ts";
import { HttpError } from "./http.ts";
import type { Env } from "./log_object.ts";
import { splitLogPath } from "./log_name.ts";
import { BEARER_SUBPROTOCOL_PREFIX, offeredSubprotocols, TAIL_SUBPROTOCOL } from "./subprotocol.ts";

/** The realm of the `WWW-Authenticate` challenge. */
const REALM = 'Bearer realm="edgelog"';

/**
 * How a deployment authenticates: with a secret, every request needs a token; without one,
 * only an explicit `EDGELOG_OPEN_DEV = "true"` opens it (local development); with neither,
 * every request is refused.
 *
 * @param env The bindings.
 * @returns The mode.
 */
export function authMode(env: Pick<Env, "AUTH_SECRET" | "EDGELOG_OPEN_DEV">): AuthMode {
  if (env.AUTH_SECRET !== undefined && env.AUTH_SECRET !== "") return "secret";
  return env.EDGELOG_OPEN_DEV === "true" ? "open" : "unconfigured";
}

/** See {@linkcode authMode}. */
export type AuthMode = "secret" | "open" | "unconfigured";

let announced = false;

/**
 * The Hono middleware: answers 401 `UNAUTHORIZED` (with a `WWW-Authenticate` challenge)
 * without a valid token, 403 `FORBIDDEN` for a log outside the token's tenant and prefix or
 * a route needing a right the token lacks, 404/405 for routes and methods that do not exist
 * (so no object is woken for them), and 503 `AUTH_NOT_CONFIGURED` when the deployment has
 * neither a secret nor the open development flag. The request's body is never read.
 */
export const auth: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const mode = authMode(c.env);
  if (mode === "open") {
    if (!announced) {
      announced = true;
      console.warn(
        "edgelog: OPEN DEVELOPMENT MODE (EDGELOG_OPEN_DEV, no AUTH_SECRET): " +
          "every request is accepted without a token",
      );
    }
    return next();
  }
  const secret = c.env.AUTH_SECRET;
  if (mode === "unconfigured" || secret === undefined) {
    throw new HttpError(
      "AUTH_NOT_CONFIGURED",
      'No AUTH_SECRET is configured: set the secret, or EDGELOG_OPEN_DEV = "true" for local development',
    );
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES) {
    throw new HttpError(
      "AUTH_NOT_CONFIGURED",
      `AUTH_SECRET must hold at least ${MIN_SECRET_BYTES} bytes`,
    );
  }
  const token = bearerToken(c.req.raw);
  let claims: TokenClaims;
  try {
    claims = await verifyToken(secret, token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(error.message, true);
    throw error;
  }

  const path = new URL(c.req.url).pathname;
  if (!path.startsWith("/logs/")) return next();
  const { name, route } = splitLogPath(path.slice("/logs/".length));
  if (!coversLog(claims, name)) {
    throw new HttpError("FORBIDDEN", `This token may not use the log "${name}"`);
  }
  const rights = routeRights(route);
  if (rights === undefined) {
    throw new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${path}`);
  }
  const method = c.req.method === "HEAD" ? "GET" : c.req.method;
  const right = Object.hasOwn(rights, method) ? rights[method] : undefined;
  if (right === undefined) {
    const allow = Object.keys(rights).join(", ");
    throw new HttpError("METHOD_NOT_ALLOWED", `Use ${allow} on this route`, { allow });
  }
  if (!claims.rights.includes(right)) {
    throw new HttpError("FORBIDDEN", `This token lacks the right "${right}" this route needs`);
  }
  return next();
};

/**
 * Removes the caller's credentials from a request forwarded to a LogObject, which never
 * needs them: the `Authorization` header and any `edgelog.bearer.` subprotocol entry.
 *
 * @param headers The forwarded request's (mutable) headers.
 */
export function withoutCredentials(headers: Headers): void {
  headers.delete("authorization");
  const offered = offeredSubprotocols(headers.get("sec-websocket-protocol"));
  const kept = offered.filter((p) => !p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  if (kept.length === offered.length) return;
  if (kept.length === 0) headers.delete("sec-websocket-protocol");
  else headers.set("sec-websocket-protocol", kept.join(", "));
}

/**
 * The token of a request: `Authorization: Bearer <jwt>`, or for a WebSocket upgrade the
 * subprotocol offer `edgelog, edgelog.bearer.<jwt>`. One way only (RFC 6750, section 2).
 */
function bearerToken(request: Request): string {
  const header = request.headers.get("authorization");
  const upgrade = (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
  const offered = upgrade ? offeredSubprotocols(request.headers.get("sec-websocket-protocol")) : [];
  const bearers = offered.filter((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  if (bearers.length > 0) {
    if (header !== null || bearers.length > 1) {
      throw new HttpError(
        "BAD_REQUEST",
        "Give one token, in the Authorization header or in the subprotocol offer",
      );
    }
    if (!offered.includes(TAIL_SUBPROTOCOL)) {
      throw new HttpError(
        "BAD_REQUEST",
        `Offer the subprotocol "${TAIL_SUBPROTOCOL}" beside the token's`,
      );
    }
    return bearers[0]!.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  }
  if (header === null) throw unauthorized("This request needs a bearer token", false);
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (match === null) {
    throw unauthorized('The Authorization header must be "Bearer <token>"', true);
  }
  return match[1]!;
}

function unauthorized(message: string, tokenGiven: boolean): HttpError {
  return new HttpError("UNAUTHORIZED", message, {
    "www-authenticate": tokenGiven ? `${REALM}, error="invalid_token"` : REALM,
  });
}
