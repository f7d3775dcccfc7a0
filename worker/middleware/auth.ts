/**
 * Authentication and authorization at the Worker, before a request reaches a LogObject:
 * bearer tokens (src/protocol/token.ts) in the `Authorization` header or, for a tail, in the
 * WebSocket subprotocol offer; the tenant and log-name prefix a token covers; the right
 * each route needs. See PROTOCOL.md, "Authentication".
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { LogPath } from "../../src/protocol/log_name.ts";
import { allowedMethods, requiredRight } from "../../src/protocol/routes.ts";
import {
  BEARER_SUBPROTOCOL_PREFIX,
  offeredSubprotocols,
  TAIL_SUBPROTOCOL,
} from "../../src/protocol/tail.ts";
import {
  coversLog,
  grantClaims,
  InvalidTokenError,
  MIN_SECRET_BYTES,
  type TokenClaims,
  type TokenGrant,
  verifyToken,
} from "../../src/protocol/token.ts";
import type { Env } from "../env.ts";
import { ApiError, isWebSocketUpgrade, pathOf, wrongMethod } from "../http.ts";
import { checkedLogPath } from "./log_paths.ts";

/**
 * A Worker's own authorization, in place of edgelog's tokens: what the caller of `request`
 * may do (the same grant a token carries: tenant, rights, log-name prefix), `null` or
 * `undefined` when it may do nothing (401 `UNAUTHORIZED`), or a `Response` to answer with
 * instead (a redirect, a challenge of the Worker's own).
 */
export type AuthorizeHook = (
  request: Request,
) => TokenGrant | Response | null | undefined | Promise<TokenGrant | Response | null | undefined>;

/**
 * What {@linkcode authorize} reads: the deployment's vars (the `Env` itself, or the options of
 * a mounted handler over it) and, when the Worker authorizes requests itself, its hook.
 */
export interface AuthSettings extends Pick<Env, "AUTH_SECRET" | "EDGELOG_OPEN_DEV"> {
  /** Replaces the token check: see {@linkcode AuthorizeHook}. */
  authorize?: AuthorizeHook;
}

/** Thrown by {@linkcode authorize} when a hook answers with its own `Response`. */
export class HookResponse extends Error {
  /**
   * @param response The hook's answer.
   */
  constructor(readonly response: Response) {
    super("The authorize hook answered the request itself");
  }
}

/** The realm of the `WWW-Authenticate` challenge. */
const REALM = 'Bearer realm="edgelog"';

/**
 * How a deployment authenticates: a Worker's own hook decides when there is one; else with
 * a secret, every request needs a token; without one, only an explicit
 * `EDGELOG_OPEN_DEV = "true"` opens it (local development); with neither, every request is
 * refused.
 *
 * @param settings The vars, and the hook of a mounted handler.
 * @returns The mode.
 */
export function authMode(settings: AuthSettings): AuthMode {
  if (settings.authorize !== undefined) return "hook";
  if (settings.AUTH_SECRET !== undefined && settings.AUTH_SECRET !== "") return "secret";
  return settings.EDGELOG_OPEN_DEV === "true" ? "open" : "unconfigured";
}

/** See {@linkcode authMode}. */
export type AuthMode = "hook" | "secret" | "open" | "unconfigured";

let announced = false;

/**
 * Checks that a request may do what it asks, before it reaches a LogObject: throws 401
 * `UNAUTHORIZED` (with a `WWW-Authenticate` challenge) without a valid token, 403
 * `FORBIDDEN` for a log outside the token's tenant and prefix or a route needing a right
 * the token lacks, 404/405 for routes and methods that do not exist (so no object is woken
 * for them), and 503 `AUTH_NOT_CONFIGURED` when the deployment has neither a secret nor
 * the open development flag. The request's body is never read.
 *
 * @param request The request.
 * @param settings The vars, and the hook of a mounted handler.
 * @param path The request's path, below the handler's mount path.
 * @returns The log and route of a path under `/logs/` (checked with
 * the protocol's `splitLogPath`), `undefined` for any other path.
 * @throws {HookResponse} When the Worker's hook answers with a `Response` of its own.
 */
export function authorize(
  request: Request,
  settings: AuthSettings,
  path: string,
): Readonly<LogPath> | undefined | Promise<Readonly<LogPath> | undefined> {
  const mode = authMode(settings);
  if (mode === "open") {
    if (!announced) {
      announced = true;
      console.warn(
        "edgelog: OPEN DEVELOPMENT MODE (EDGELOG_OPEN_DEV, no AUTH_SECRET): " +
          "every request is accepted without a token. With AUTH_SECRET set, the first " +
          "segment of a log name is its tenant",
      );
    }
    // No promise to wait for: the append's hand-off to its object goes on in the same turn.
    return checkedLogPath(path);
  }
  return authorizeClaims(request, settings, mode, path);
}

/** {@linkcode authorize} in the modes that check a grant (a hook's or a token's). */
async function authorizeClaims(
  request: Request,
  settings: AuthSettings,
  mode: Exclude<AuthMode, "open">,
  path: string,
): Promise<Readonly<LogPath> | undefined> {
  const claims = mode === "hook"
    ? await hookClaims(request, settings.authorize!)
    : await tokenClaims(request, mode, settings.AUTH_SECRET);

  // The log name is checked only now: a caller without a valid token learns nothing of it.
  const logPath = checkedLogPath(path);
  if (logPath === undefined) return undefined;
  const { name, route } = logPath;
  if (!coversLog(claims, name)) {
    throw new ApiError("FORBIDDEN", `This token may not use the log "${name}"`);
  }
  const right = requiredRight(request.method, route);
  if (right === undefined) {
    const allow = allowedMethods(route);
    if (allow === undefined) {
      throw new ApiError("ROUTE_NOT_FOUND", `No route ${request.method} ${path}`);
    }
    throw wrongMethod(request.method, logPath, allow);
  }
  if (!claims.rights.includes(right)) {
    throw new ApiError("FORBIDDEN", `This token lacks the right "${right}" this route needs`);
  }
  return logPath;
}

/** The grant of a Worker's hook, checked as a token's claims are. */
async function hookClaims(
  request: Request,
  hook: AuthorizeHook,
): Promise<Pick<TokenClaims, "tenant" | "logs" | "names" | "rights">> {
  const grant = await hook(request);
  if (grant instanceof Response) throw new HookResponse(grant);
  if (grant === null || grant === undefined) {
    throw new ApiError("UNAUTHORIZED", "This request is not authorized");
  }
  try {
    return grantClaims(grant);
  } catch (error) {
    // The Worker's code broke the rule, not the caller: a 500 that says why.
    throw new Error(
      `The authorize hook returned an invalid grant: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

/** The claims of the request's token, in the modes without a hook. */
async function tokenClaims(
  request: Request,
  mode: Exclude<AuthMode, "hook" | "open">,
  secret: string | undefined,
): Promise<TokenClaims> {
  if (mode === "unconfigured" || secret === undefined) {
    throw new ApiError(
      "AUTH_NOT_CONFIGURED",
      'No AUTH_SECRET is configured: set the secret, or EDGELOG_OPEN_DEV = "true" for local development',
    );
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES) {
    throw new ApiError(
      "AUTH_NOT_CONFIGURED",
      `AUTH_SECRET must hold at least ${MIN_SECRET_BYTES} bytes`,
    );
  }
  const token = bearerToken(request);
  try {
    return await verifyToken(secret, token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(error.message, true);
    throw error;
  }
}

/**
 * The Hono middleware form of {@linkcode authorize}, for the routes outside `/logs/`.
 *
 * @param settingsOf The settings of a request's bindings.
 * @returns The middleware.
 */
export function auth<E extends object>(
  settingsOf: (env: E) => AuthSettings,
): MiddlewareHandler<{ Bindings: E }> {
  return async (c, next) => {
    await authorize(c.req.raw, settingsOf(c.env), pathOf(c.req.url));
    return next();
  };
}

/**
 * Whether a request carries credentials that {@linkcode withoutCredentials} would remove.
 *
 * @param headers The request's headers.
 * @returns `true` when it has an `Authorization` header or an `edgelog.bearer.` subprotocol.
 */
export function hasCredentials(headers: Headers): boolean {
  if (headers.has("authorization")) return true;
  const offered = headers.get("sec-websocket-protocol");
  return offered !== null && offered.includes(BEARER_SUBPROTOCOL_PREFIX);
}

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
  const offered = isWebSocketUpgrade(request.headers)
    ? offeredSubprotocols(request.headers.get("sec-websocket-protocol"))
    : [];
  const bearers = offered.filter((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  if (bearers.length > 0) {
    if (header !== null || bearers.length > 1) {
      throw new ApiError(
        "BAD_REQUEST",
        "Give one token, in the Authorization header or in the subprotocol offer",
      );
    }
    if (!offered.includes(TAIL_SUBPROTOCOL)) {
      throw new ApiError(
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

function unauthorized(message: string, tokenGiven: boolean): ApiError {
  return new ApiError("UNAUTHORIZED", message, {
    "www-authenticate": tokenGiven ? `${REALM}, error="invalid_token"` : REALM,
  });
}
