import { env } from "cloudflare:test";
import { mintToken, type Right, RIGHTS, type TokenGrant } from "../../../src/protocol/token.ts";
import { BASE } from "../helpers.ts";

export { fetchWorker } from "../direct.ts";

/** The secret the auth project binds (vitest.config.ts). */
export function secret(): string {
  const value = env.AUTH_SECRET;
  if (value === undefined || value === "") throw new Error("The auth project binds AUTH_SECRET");
  return value;
}

/** A valid token for `grant`. */
export function token(grant: TokenGrant, ttl = 600): Promise<string> {
  return mintToken(secret(), grant, { ttl });
}

/** A token for `tenant` with every right. */
export function allRights(tenant: string): Promise<string> {
  return token({ tenant, rights: RIGHTS });
}

/** The rights other than `right`. */
export function allBut(right: Right): Right[] {
  return RIGHTS.filter((r) => r !== right);
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const encodeJson = (value: unknown): string =>
  base64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * A JWT with any header and payload, signed with HMAC-SHA-256 over `key`: to build tokens a
 * correct verifier must refuse (an `RS256` header, no `exp`, broken claims), signed with the
 * real secret so that only the refused property can be the reason.
 */
export async function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key = secret(),
): Promise<string> {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** An unsigned JWT (`alg: none`) carrying `payload`. */
export function unsigned(payload: Record<string, unknown>): string {
  return `${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(payload)}.`;
}

/** Seconds since the epoch, `delta` seconds from now. */
export const epoch = (delta = 0): number => Math.floor(Date.now() / 1000) + delta;

/** The tokens of the auth matrix that must be refused with 401, each with its label. */
export async function invalidTokens(tenant: string): Promise<Array<[string, string]>> {
  const claims = { tenant, rights: [...RIGHTS], iat: epoch(), exp: epoch(600) };
  return [
    ["expired", await forge({ alg: "HS256", typ: "JWT" }, { ...claims, exp: epoch(-60) })],
    [
      "bad signature",
      await mintToken("another secret, also thirty-two bytes long", { tenant, rights: RIGHTS }),
    ],
    ["alg none", unsigned(claims)],
    ["RS256 header", await forge({ alg: "RS256", typ: "JWT" }, claims)],
    ["no exp", await forge({ alg: "HS256" }, { tenant, rights: [...RIGHTS] })],
    ["logs outside its tenant", await forge({ alg: "HS256" }, { ...claims, logs: "other/" })],
    ["unknown right", await forge({ alg: "HS256" }, { ...claims, rights: ["read", "root"] })],
    ["not yet valid (nbf)", await forge({ alg: "HS256" }, { ...claims, nbf: epoch(600) })],
    ["exp not a number", await forge({ alg: "HS256" }, { ...claims, exp: String(epoch(600)) })],
    ["tenant not a string", await forge({ alg: "HS256" }, { ...claims, tenant: ["acme"] })],
    ["an unknown critical header", await forge({ alg: "HS256", crit: ["x"], x: 1 }, claims)],
    ["garbage", "not-a-jwt"],
  ];
}

/** Request headers that carry `jwt` as a bearer token. */
export const bearer = (jwt: string): Record<string, string> => ({
  authorization: `Bearer ${jwt}`,
});

/** The URL of a path on the test Worker. */
export const url = (path: string): string => BASE + path;
