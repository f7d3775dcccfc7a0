// A mistyped route word is read as part of the log's name (`/logs/acme/demo/record` names
// the log "acme/demo/record"): the answer names the route words and the one meant, in open
// development mode (the object answers) and with tokens (the Worker answers).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/protocol/token.ts";
import type { Env } from "../../worker/env.ts";
import { edgelog } from "../../worker/mod.ts";
import { call } from "./helpers.ts";

const SECRET = "a route-typo secret of at least 32 bytes";
const withTokens = edgelog<Env>({ authSecret: SECRET });

async function viaTokens(method: string, path: string): Promise<Response> {
  const token = await mintToken(SECRET, { tenant: "acme", rights: ["read", "append"] });
  return withTokens.fetch(
    new Request(`https://edgelog.test${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    }),
    env,
  );
}

const WAYS: Array<[string, (method: string, path: string) => Promise<Response>]> = [
  ["open development mode", (method, path) => call(path, { method })],
  ["with tokens", viaTokens],
];

describe.each(WAYS)("a mistyped route word, %s", (_, send) => {
  it("POST /logs/acme/demo/record: 405 naming the route words and the one meant", async () => {
    const response = await send("POST", "/logs/acme/demo/record");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("DELETE");
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("METHOD_NOT_ALLOWED");
    expect(error.message).toBe(
      'No route POST /logs/acme/demo/record: the path names the log "acme/demo/record", ' +
        "which takes DELETE only; a log's routes follow its name: records, batch, bounds, " +
        'range, config, truncate, tail, session, metrics, stream; did you mean "/logs/acme/demo/records"?',
    );
  });

  it("GET /logs/acme/demo/bund: the route meant is bounds", async () => {
    const response = await send("GET", "/logs/acme/demo/bund");
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(/did you mean "\/logs\/acme\/demo\/bounds"\?$/);
  });

  it("GET /logs/acme/orders: no hint when nothing is near a route word", async () => {
    const response = await send("GET", "/logs/acme/orders");
    expect(response.status).toBe(405);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(
      /routes follow its name: records, .*, tail, session, metrics, stream$/,
    );
  });

  it("a wrong method on a route names the route and the methods it takes", async () => {
    const response = await send("PUT", "/logs/acme/demo/records/3");
    expect(response.status).toBe(405);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toBe("Use GET on /logs/{name}/records/{offset}, not PUT");
  });
});
