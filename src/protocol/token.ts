/**
 * Access tokens of the edgelog deployment: JSON Web Tokens signed with HS256 that name a
 * tenant, the log names they may use and their rights. Runtime-agnostic: the Worker verifies
 * with {@linkcode verifyToken}, command-line tools mint with {@linkcode mintToken}, both from
 * the same claim definitions.
 *
 * A log's tenant is the first segment of its name (`acme` for `acme/orders`, `demo` for
 * `demo`). A token names one tenant and the logs it may use, by prefix (`logs`, a plain
 * string prefix that starts with `tenant + "/"`), by exact name (`names`), or both: the token
 * `{ tenant: "acme", rights: ["read"] }` may read every log whose name starts with `acme/`,
 * and nothing else; `{ tenant: "demo", names: ["demo"], rights: ["read"] }` may read the log
 * `demo` and nothing else.
 *
 * @example Minting and verifying a token
 * ```ts
 * import { mintToken, verifyToken } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const secret = "a secret of at least thirty-two bytes!";
 * const token = await mintToken(secret, { tenant: "acme", rights: ["read", "append"] });
 * const claims = await verifyToken(secret, token);
 * assert.equal(claims.logs, "acme/");
 * assert.deepEqual(claims.rights, ["read", "append"]);
 * ```
 *
 * @module
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { assertLogName, isNamePrefix, isNameSegment, MAX_LOG_NAME_LENGTH } from "./log_name.ts";
import { type Right, RIGHTS } from "./routes.ts";

export { requiredRight, type Right, RIGHTS, ROUTE_RIGHTS, routeRights } from "./routes.ts";

/** What a token grants: the claims a caller chooses when minting one. */
export interface TokenGrant {
  /** The tenant: the first segment of every log name the token may use, e.g. `"acme"`. */
  tenant: string;
  /** The rights, at least one. */
  rights: readonly Right[];
  /**
   * A prefix of the log names the token may use; it starts with `tenant + "/"`, which is
   * also the default when `names` is not given. A plain string prefix: `"acme/orders"` also
   * covers `"acme/orders-eu"`; end it with `/` to cover one folder (`"acme/orders/"`).
   */
  logs?: string;
  /**
   * Exact log names the token may use (besides those under `logs`, when given), each of
   * the tenant (its first segment is `tenant`), at least one when given: `["acme/orders"]`
   * covers `acme/orders` and not `acme/orders-eu`; `["demo"]` (tenant `demo`) covers the
   * single-segment name `demo`, which no prefix reaches.
   */
  names?: readonly string[];
}

/** The claims of a verified token. */
export interface TokenClaims {
  /** The tenant. */
  tenant: string;
  /**
   * The log-name prefix: `tenant + "/"` when the token names neither a prefix nor exact
   * names; absent when it names exact names only.
   */
  logs?: string;
  /** The exact log names, when the token names any. */
  names?: string[];
  /** The rights. */
  rights: Right[];
  /** The expiry, in seconds since the Unix epoch. */
  exp: number;
  /** The time of issue, in seconds since the Unix epoch, when the token carries one. */
  iat?: number;
}

/** The shortest secret accepted, in bytes (RFC 7518: at least the hash's 256 bits). */
export const MIN_SECRET_BYTES = 32;
/** The longest token accepted, in characters. */
export const MAX_TOKEN_LENGTH = 4096;
/** The lifetime of a minted token unless told otherwise, in seconds. */
export const DEFAULT_TOKEN_TTL = 3600;

/** Options of {@linkcode mintToken}. */
export interface MintOptions {
  /** Seconds until the token expires; a positive integer, default {@linkcode DEFAULT_TOKEN_TTL}. */
  ttl?: number;
  /** The time of issue in milliseconds since the Unix epoch; default now. */
  now?: number;
}

/** Options of {@linkcode verifyToken}. */
export interface VerifyOptions {
  /** The current time in milliseconds since the Unix epoch; default now. */
  now?: number;
}

/** A token that does not verify: malformed, expired, badly signed or with invalid claims. */
export class InvalidTokenError extends Error {
  /**
   * Creates the error.
   *
   * @param message One sentence saying why the token is refused.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidTokenError";
  }
}

/**
 * Signs a token for `grant` with HS256.
 *
 * @param secret The shared secret (the Worker's `AUTH_SECRET`), at least 32 bytes.
 * @param grant The tenant, rights, and optional log-name prefix and exact names.
 * @param options The lifetime and the time of issue.
 * @returns The compact JWT.
 * @throws {TypeError} When the grant's fields have the wrong types.
 * @throws {RangeError} When the secret is too short, the grant breaks a rule (tenant not
 * one name segment, prefix not below the tenant, a name that is not a valid log name of the
 * tenant, an empty `names`, unknown or no rights), `ttl` is not a positive integer, or the
 * token would be longer than {@linkcode MAX_TOKEN_LENGTH}.
 *
 * @example A prefix token: every log under acme/orders/
 * ```ts
 * import { mintToken } from "@edgelog/edgelog/token";
 *
 * const token = await mintToken("a secret of at least thirty-two bytes!", {
 *   tenant: "acme",
 *   logs: "acme/orders/",
 *   rights: ["append"],
 * }, { ttl: 600 });
 * const headers = { Authorization: `Bearer ${token}` };
 * ```
 *
 * @example An exact token: the single-segment log demo, and nothing else
 * ```ts
 * import { coversLog, mintToken, verifyToken } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const secret = "a secret of at least thirty-two bytes!";
 * const token = await mintToken(secret, { tenant: "demo", names: ["demo"], rights: ["read"] });
 * const claims = await verifyToken(secret, token);
 * assert(coversLog(claims, "demo"));
 * assert(!coversLog(claims, "demo2"));
 * assert(!coversLog(claims, "demo/x"));
 * ```
 */
export async function mintToken(
  secret: string | Uint8Array,
  grant: TokenGrant,
  options: MintOptions = {},
): Promise<string> {
  const key = secretKey(secret);
  const claims = checkGrant(grant, (message) => new RangeError(message));
  const ttl = options.ttl ?? DEFAULT_TOKEN_TTL;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new RangeError(`Expected ttl to be a positive integer, got "${ttl}"`);
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const token = await new SignJWT({
    tenant: claims.tenant,
    ...(claims.logs === undefined ? {} : { logs: claims.logs }),
    ...(claims.names === undefined ? {} : { names: claims.names }),
    rights: claims.rights,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(key);
  // verifyToken refuses longer tokens: never hand one out.
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new RangeError(
      `The token would be ${token.length} characters long, more than the ${MAX_TOKEN_LENGTH} accepted: name fewer logs`,
    );
  }
  return token;
}

/**
 * Verifies a token: HS256 only, a valid signature, an `exp` in the future, and valid
 * edgelog claims.
 *
 * @param secret The shared secret, at least 32 bytes.
 * @param token The compact JWT.
 * @param options The current time.
 * @returns The claims, with `logs` defaulted to `tenant + "/"` when the token names neither
 * a prefix nor exact names.
 * @throws {InvalidTokenError} When the token is refused, with the reason.
 * @throws {RangeError} When the secret is shorter than {@linkcode MIN_SECRET_BYTES}.
 *
 * @example
 * ```ts
 * import { InvalidTokenError, verifyToken } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const error = await verifyToken("a secret of at least thirty-two bytes!", "not.a.token")
 *   .catch((e) => e);
 * assert(error instanceof InvalidTokenError);
 * ```
 */
export async function verifyToken(
  secret: string | Uint8Array,
  token: string,
  options: VerifyOptions = {},
): Promise<TokenClaims> {
  const key = await verifyingKey(secret);
  if (typeof token !== "string" || token.length === 0) {
    throw new InvalidTokenError("The token is empty");
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError(`The token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
      ...(options.now === undefined ? {} : { currentDate: new Date(options.now) }),
    });
    payload = verified.payload;
  } catch (error) {
    throw new InvalidTokenError(reason(error), { cause: error });
  }
  const claims = checkGrant(
    {
      tenant: payload.tenant as string,
      rights: payload.rights as Right[],
      ...(payload.logs === undefined ? {} : { logs: payload.logs as string }),
      ...(payload.names === undefined ? {} : { names: payload.names as string[] }),
    },
    (message) => new InvalidTokenError(message),
  );
  const result: TokenClaims = { ...claims, exp: payload.exp as number };
  if (typeof payload.iat === "number") result.iat = payload.iat;
  return result;
}

/**
 * Whether `claims` cover the log `name`: it is one of the token's exact `names` and its
 * first segment is the tenant, or it starts with `tenant + "/"` and with the token's `logs`
 * prefix (a plain string prefix). A token never reaches another tenant's logs, whatever its
 * prefix or names say. This is the one check the Worker makes of a log name.
 *
 * @param claims The verified claims.
 * @param name A valid log name.
 * @returns `true` when the token may use the log.
 *
 * @example
 * ```ts
 * import { coversLog } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const claims = { tenant: "acme", logs: "acme/orders/", names: ["acme/users"] };
 * assert(coversLog(claims, "acme/orders/eu"));
 * assert(coversLog(claims, "acme/users"));
 * assert(!coversLog(claims, "acme/users2"));
 * assert(!coversLog(claims, "globex/orders/eu"));
 * ```
 */
export function coversLog(
  claims: Pick<TokenClaims, "tenant" | "logs" | "names">,
  name: string,
): boolean {
  if (claims.names?.includes(name) === true && tenantOf(name) === claims.tenant) return true;
  return claims.logs !== undefined && name.startsWith(`${claims.tenant}/`) &&
    name.startsWith(claims.logs);
}

/**
 * The tenant of a log name: its first segment.
 *
 * @param name A log name.
 * @returns The text before the first `/`, or the whole name when it has one segment.
 *
 * @example
 * ```ts
 * import { tenantOf } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tenantOf("acme/orders/eu"), "acme");
 * assert.equal(tenantOf("demo"), "demo");
 * ```
 */
export function tenantOf(name: string): string {
  const slash = name.indexOf("/");
  return slash === -1 ? name : name.slice(0, slash);
}

/**
 * The rights a token claims, read WITHOUT verifying it: for a user interface that hides what
 * a token cannot do (the web console hides truncate and config from a token without
 * `admin`), never for a decision; the server verifies every request.
 *
 * @param token A compact JWT.
 * @returns Its `rights` claim, or `undefined` when it is no JWT whose payload holds an array
 * of known rights.
 *
 * @example
 * ```ts
 * import { mintToken, unverifiedRights } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const secret = "a secret of at least thirty-two bytes!";
 * const token = await mintToken(secret, { tenant: "acme", rights: ["read", "admin"] });
 * assert.deepEqual(unverifiedRights(token), ["read", "admin"]);
 * assert.equal(unverifiedRights("not a token"), undefined);
 * ```
 */
export function unverifiedRights(token: string): Right[] | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  let claims: unknown;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
    claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
  const rights = typeof claims === "object" && claims !== null
    ? (claims as { rights?: unknown }).rights
    : undefined;
  if (!Array.isArray(rights) || !rights.every((r) => RIGHTS.includes(r))) return undefined;
  return [...rights];
}

/**
 * The HMAC key of the last string secret verified with: importing it is half the cost of a
 * verification, and a deployment verifies every request with the same secret. The key, not
 * the promise of it, is kept: a Worker must not await a promise made by another request.
 */
let lastKey: { secret: string; key: CryptoKey } | undefined;

async function verifyingKey(secret: string | Uint8Array): Promise<CryptoKey | Uint8Array> {
  const bytes = secretKey(secret);
  if (typeof secret !== "string") return bytes;
  if (lastKey?.secret === secret) return lastKey.key;
  const raw = new TextEncoder().encode(secret);
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  lastKey = { secret, key };
  return key;
}

function secretKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (!(key instanceof Uint8Array)) {
    throw new TypeError("Expected the secret to be a string or a Uint8Array");
  }
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new RangeError(
      `Expected the secret to hold at least ${MIN_SECRET_BYTES} bytes, got "${key.byteLength}"`,
    );
  }
  return key;
}

/** Checks a grant's fields; `fail` makes the error thrown for a broken rule. */
/**
 * Checks a grant as a token's claims are checked, for a Worker that authorizes requests
 * itself (the `authorize` hook of a mounted edgelog handler) and then applies edgelog's
 * rules to what it granted.
 *
 * @param grant The tenant, rights and optional log-name prefix.
 * @returns The grant, with `logs` defaulted to `tenant + "/"` when it names no exact logs.
 * @throws {TypeError} When the grant breaks a rule of {@linkcode mintToken}'s.
 *
 * @example
 * ```ts
 * import { coversLog, grantClaims } from "@edgelog/edgelog/token";
 * import assert from "node:assert/strict";
 *
 * const claims = grantClaims({ tenant: "acme", rights: ["read"] });
 * assert(coversLog(claims, "acme/orders"));
 * assert.throws(() => grantClaims({ tenant: "a/b", rights: ["read"] }), TypeError);
 * ```
 */
export function grantClaims(
  grant: TokenGrant,
): Pick<TokenClaims, "tenant" | "logs" | "names" | "rights"> {
  return checkGrant(grant, (message) => new TypeError(message));
}

function checkGrant(
  grant: TokenGrant,
  fail: (message: string) => Error,
): { tenant: string; logs?: string; names?: string[]; rights: Right[] } {
  const { tenant, rights, names } = grant;
  if (typeof tenant !== "string") throw fail("The tenant must be a string");
  // The tenant and the "/" after it start every name the token covers.
  if (tenant.length >= MAX_LOG_NAME_LENGTH || !isNameSegment(tenant)) {
    throw fail(
      `The tenant must be one log-name segment of A-Z a-z 0-9 . _ ~ -, got "${tenant}"`,
    );
  }
  // Without exact names, the tenant's every log: what every token meant before names.
  const logs = grant.logs ?? (names === undefined ? `${tenant}/` : undefined);
  if (logs !== undefined) {
    if (typeof logs !== "string") throw fail("The logs prefix must be a string");
    if (!logs.startsWith(`${tenant}/`) || !isNamePrefix(logs)) {
      throw fail(
        `The logs prefix must be a log-name prefix starting with "${tenant}/", got "${logs}"`,
      );
    }
  }
  if (names !== undefined) {
    if (!Array.isArray(names) || names.length === 0) {
      throw fail("The names must be a non-empty array of log names");
    }
    for (const name of names) {
      if (typeof name !== "string") throw fail("The names must be strings");
      try {
        assertLogName(name);
      } catch (error) {
        throw fail((error as Error).message);
      }
      if (tenantOf(name) !== tenant) {
        throw fail(
          `The name "${name}" is outside the tenant "${tenant}": its first segment differs`,
        );
      }
    }
  }
  if (!Array.isArray(rights) || rights.length === 0) {
    throw fail("The rights must be a non-empty array");
  }
  for (const right of rights) {
    if (!RIGHTS.includes(right)) throw fail(`Unknown right "${String(right)}"`);
  }
  return {
    tenant,
    ...(logs === undefined ? {} : { logs }),
    ...(names === undefined ? {} : { names: [...names] }),
    rights: [...rights],
  };
}

/** Says why jose refused a token, in one sentence. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The token has expired";
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token is not signed with HS256";
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "The token's signature does not verify";
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is invalid (${error.reason})`;
  }
  return "The token is not a valid JWT";
}
