// Tenancy at its edges, how tokens may be carried, and what the Worker answers by itself:
// non-log paths, routes and methods that do not exist, the tail limit, misconfiguration.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_TOKEN_LENGTH, mintToken, RIGHTS } from "../../../src/protocol/token.ts";
import { withoutCredentials } from "../../../worker/middleware/auth.ts";
import type { LogObject } from "../../../worker/object/log_object.ts";
import { uniqueName } from "../helpers.ts";
import { expectRefused, snapshot } from "./routes.ts";
import { allRights, bearer, epoch, fetchWorker, forge, token } from "./tokens.ts";

let acme: string;
let globex: string;

beforeAll(async () => {
  acme = await allRights("acme");
  globex = await allRights("globex");
});

async function append(log: string, jwt: string, body = "x"): Promise<Response> {
  return await fetchWorker(`/logs/${log}/records`, { method: "POST", headers: bearer(jwt), body });
}

describe("tenancy", () => {
  it("the same log name under two tenants is two Durable Objects with separate records", async () => {
    const suffix = uniqueName("shared");
    expect(await (await append(`acme/${suffix}`, acme, "a")).json()).toEqual({ offset: 0 });
    expect(await (await append(`globex/${suffix}`, globex, "g")).json()).toEqual({ offset: 0 });
    expect(env.LOGS.idFromName(`acme/${suffix}`).equals(env.LOGS.idFromName(`globex/${suffix}`)))
      .toBe(false);
    const read = await fetchWorker(`/logs/globex/${suffix}/records/0`, { headers: bearer(globex) });
    expect(await read.text()).toBe("g");
  });

  for (
    const name of [
      "acme", // the tenant alone is not below "acme/"
      "acme-evil/x", // a longer tenant that starts with "acme"
      "ACME/x", // names are case-sensitive
      "globex/acme/x",
    ]
  ) {
    it(`a token for "acme" may not use "${name}"`, async () => {
      await expectRefused(await append(name, acme), 403, "FORBIDDEN");
    });
  }

  it("a prefix narrows the token to the names below it", async () => {
    const orders = await token({ tenant: "acme", logs: "acme/orders/", rights: RIGHTS });
    expect((await append(`acme/orders/${uniqueName()}`, orders)).status).toBe(200);
    await expectRefused(await append("acme/orders", orders), 403, "FORBIDDEN");
    await expectRefused(await append("acme/users/x", orders), 403, "FORBIDDEN");
  });

  it("dot segments resolved by the URL parser cannot climb into another tenant", async () => {
    const victim = `globex/${uniqueName("victim")}`;
    await append(victim, globex, "secret");
    const before = await snapshot(victim, globex);
    for (const climb of ["acme/x/../..", "acme/%2e%2e", "acme/.%2E", "acme/x/./../.."]) {
      const path = `/logs/${climb}/${victim}/records`;
      expect(new URL(`https://h${path}`).pathname).toBe(`/logs/${victim}/records`);
      await expectRefused(
        await fetchWorker(path, { method: "POST", headers: bearer(acme), body: "x" }),
        403,
        "FORBIDDEN",
      );
    }
    for (
      const climb of ["acme/..%2f..%2f", "acme/%2e%2e%2f", "acme/..%5c..%5c", "acme/%c0%ae%c0%ae"]
    ) {
      await expectRefused(
        await fetchWorker(`/logs/${climb}/${victim}/records`, {
          method: "POST",
          headers: bearer(acme),
          body: "x",
        }),
        400,
        "BAD_REQUEST",
      );
    }
    expect(await snapshot(victim, globex)).toEqual(before);
  });
});

describe("carrying the token", () => {
  const log = () => `acme/${uniqueName("carry")}`;

  it('the scheme is case-insensitive: "bearer" works', async () => {
    const res = await fetchWorker(`/logs/${log()}/bounds`, {
      headers: { authorization: `bearer ${acme}` },
    });
    expect(res.status).toBe(200);
  });

  for (
    const [label, value] of [
      ["Basic credentials", "Basic YWNtZTpzZWNyZXQ="],
      ["an empty Bearer", "Bearer "],
      ["two tokens", `Bearer ${"a.b.c"} ${"d.e.f"}`],
      ["a token over the length limit", `Bearer ${"a".repeat(MAX_TOKEN_LENGTH + 1)}`],
    ]
  ) {
    it(`Authorization with ${label}: 401 invalid_token`, async () => {
      const res = await fetchWorker(`/logs/${log()}/bounds`, {
        headers: { authorization: value! },
      });
      expect(res.headers.get("www-authenticate")).toBe(
        'Bearer realm="edgelog", error="invalid_token"',
      );
      await expectRefused(res, 401, "UNAUTHORIZED");
    });
  }

  const upgrade = (protocols: string, extra: Record<string, string> = {}) =>
    fetchWorker(`/logs/${log()}/tail`, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": protocols, ...extra },
    });

  it("a token in both the header and the subprotocol offer: 400", async () => {
    await expectRefused(
      await upgrade(`edgelog, edgelog.bearer.${acme}`, bearer(acme)),
      400,
      "BAD_REQUEST",
    );
  });

  it("two tokens in the subprotocol offer: 400", async () => {
    await expectRefused(
      await upgrade(`edgelog, edgelog.bearer.${acme}, edgelog.bearer.${acme}`),
      400,
      "BAD_REQUEST",
    );
  });

  it('a token offered without the subprotocol "edgelog": 400', async () => {
    await expectRefused(await upgrade(`edgelog.bearer.${acme}`), 400, "BAD_REQUEST");
  });

  it("the subprotocol is selected whatever else is offered", async () => {
    const res = await upgrade(`chat, edgelog.bearer.${acme}, edgelog`);
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe("edgelog");
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });

  it("a token in the subprotocol offer counts only for a WebSocket upgrade", async () => {
    const res = await fetchWorker(`/logs/${log()}/bounds`, {
      headers: { "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}` },
    });
    await expectRefused(res, 401, "UNAUTHORIZED");
  });

  it("the credentials are removed from the request a LogObject receives", () => {
    const headers = new Headers({
      authorization: `Bearer ${acme}`,
      "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}`,
      "content-type": "text/plain",
    });
    withoutCredentials(headers);
    expect([...headers]).toEqual([
      ["content-type", "text/plain"],
      ["sec-websocket-protocol", "edgelog"],
    ]);
    const only = new Headers({ "sec-websocket-protocol": "edgelog.bearer.x" });
    withoutCredentials(only);
    expect(only.has("sec-websocket-protocol")).toBe(false);
  });

  /** A LOGS binding that records every request the Worker hands to an object. */
  function recordingLogs(seen: Request[]): DurableObjectNamespace<LogObject> {
    return {
      idFromName: (name: string) => env.LOGS.idFromName(name),
      get: (id: DurableObjectId) => ({
        fetch: (request: Request) => {
          seen.push(request);
          return env.LOGS.get(id).fetch(request);
        },
      }),
    } as unknown as DurableObjectNamespace<LogObject>;
  }

  for (const origin of [undefined, "https://app.example"]) {
    it(
      `the object never receives the caller's credentials (${
        origin === undefined ? "no Origin" : "from a browser"
      })`,
      async () => {
        const seen: Request[] = [];
        const bindings = {
          LOGS: recordingLogs(seen),
          ...(origin === undefined ? {} : { CORS_ORIGINS: origin }),
        };
        const from = origin === undefined ? {} : { origin };
        const name = log();
        const appended = await fetchWorker(`/logs/${name}/records`, {
          method: "POST",
          headers: { ...bearer(acme), ...from, "edgelog-expected-offset": "0" },
          body: "x",
        }, bindings);
        expect(appended.status).toBe(200);
        const tail = await fetchWorker(`/logs/${name}/tail`, {
          headers: {
            ...from,
            upgrade: "websocket",
            "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}`,
          },
        }, bindings);
        expect(tail.status).toBe(101);
        tail.webSocket!.accept();
        tail.webSocket!.close(1000);
        expect(seen.map((r) => r.headers.get("authorization"))).toEqual([null, null]);
        expect(seen.map((r) => r.headers.get("sec-websocket-protocol"))).toEqual([null, "edgelog"]);
        // Everything else arrives as it was sent.
        expect(seen[0]!.headers.get("edgelog-expected-offset")).toBe("0");
      },
    );
  }
});

describe("what the Worker answers without an object", () => {
  it("/healthz needs no token", async () => {
    expect((await fetchWorker("/healthz")).status).toBe(200);
  });

  it("any other path needs a token: 401 without, 404 with", async () => {
    for (const path of ["/", "/nope", "/logs", "/logs/"]) {
      await expectRefused(await fetchWorker(path), 401, "UNAUTHORIZED");
    }
    await expectRefused(
      await fetchWorker("/nope", { headers: bearer(acme) }),
      404,
      "ROUTE_NOT_FOUND",
    );
  });

  it("routes and methods that do not exist get the object's own answers, without waking it", async () => {
    const log = `acme/${uniqueName("routes")}`;
    const stub = env.LOGS.get(env.LOGS.idFromName(log));
    const cases: Array<[string, string]> = [
      ["PATCH", "/records"],
      ["PUT", "/records"],
      ["OPTIONS", "/records"],
      ["POST", "/records/1"],
      ["GET", "/records/1/x"],
      ["GET", "/records/"],
      ["GET", "/bounds/"],
      ["GET", "/bounds/x"],
      ["POST", "/bounds"],
      ["GET", "/batch"],
      ["PUT", "/batch"],
      ["DELETE", "/config"],
      ["GET", "/truncate"],
      ["POST", "/tail"],
      ["GET", "/"],
      ["POST", "/"],
      ["GET", "/tail/x"],
      ["PROPFIND", "/range"],
      ["TRACE", "/records/0"],
      ["QUERY", "/"],
      ["patch", "/config"],
    ];
    for (const [method, route] of cases) {
      const viaWorker = await fetchWorker(`/logs/${log}${route === "/" ? "" : route}`, {
        method,
        headers: bearer(acme),
      });
      expect(viaWorker.headers.get("edgelog-instance"), `${method} ${route}`).toBeNull();
      const direct = await stub.fetch(`https://log.internal${route}`, { method });
      const answer = async (res: Response) => ({
        status: res.status,
        code: ((await res.json()) as { error: { code: string } }).error.code,
        allow: res.headers.get("allow"),
      });
      expect(await answer(viaWorker), `${method} ${route}`).toEqual(await answer(direct));
    }
  });

  it("a secret shorter than 32 bytes refuses every request: 503 AUTH_NOT_CONFIGURED", async () => {
    const res = await fetchWorker(`/logs/acme/x/bounds`, { headers: bearer(acme) }, {
      AUTH_SECRET: "short",
    });
    await expectRefused(res, 503, "AUTH_NOT_CONFIGURED");
  });
});

describe("tails per log", () => {
  it("past MAX_TAILS_PER_LOG (3 here), a tail is refused with 429 before the upgrade", async () => {
    expect(env.MAX_TAILS_PER_LOG).toBe("3");
    const log = `acme/${uniqueName("tails")}`;
    const open = () =>
      fetchWorker(`/logs/${log}/tail`, { headers: { upgrade: "websocket", ...bearer(acme) } });
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await open();
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      sockets.push(res.webSocket!);
    }
    const refused = await open();
    expect(refused.webSocket).toBeNull();
    const body = (await refused.json()) as { error: { code: string } };
    expect([refused.status, body.error.code]).toEqual([429, "TOO_MANY_TAILS"]);
    // Another log is not affected.
    const other = await fetchWorker(`/logs/acme/${uniqueName("tails")}/tail`, {
      headers: { upgrade: "websocket", ...bearer(acme) },
    });
    expect(other.status).toBe(101);
    other.webSocket!.accept();
    other.webSocket!.close(1000);
    // A closed tail frees its place.
    const closed = new Promise((resolve) => sockets[0]!.addEventListener("close", resolve));
    sockets[0]!.close(1000);
    await closed;
    let again = await open();
    for (let i = 0; again.status !== 101 && i < 50; i++) {
      await again.arrayBuffer();
      await new Promise((r) => setTimeout(r, 20));
      again = await open();
    }
    expect(again.status).toBe(101);
    again.webSocket!.accept();
    for (const ws of [...sockets.slice(1), again.webSocket!]) ws.close(1000);
  });
});

describe("boundaries", () => {
  const INVALID_CHALLENGE = 'Bearer realm="edgelog", error="invalid_token"';
  const bounds = (jwt: string, bindings: Parameters<typeof fetchWorker>[2] = {}) =>
    fetchWorker(`/logs/acme/${uniqueName("edge")}/bounds`, { headers: bearer(jwt) }, bindings);

  for (
    const [label, at32, at31] of [
      ["ASCII", "s".repeat(32), "s".repeat(31)],
      // Bytes, not characters: 16 two-byte characters are 32 bytes.
      ["UTF-8", "\u00e9".repeat(16), "\u00e9".repeat(15) + "s"],
    ]
  ) {
    it(`an AUTH_SECRET of 32 bytes works, 31 bytes is 503 AUTH_NOT_CONFIGURED (${label})`, async () => {
      expect(new TextEncoder().encode(at32).byteLength).toBe(32);
      expect(new TextEncoder().encode(at31).byteLength).toBe(31);
      const minted = await mintToken(at32!, { tenant: "acme", rights: ["read"] });
      const ok = await bounds(minted, { AUTH_SECRET: at32 });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ begin: 0, end: 0 });
      // The bound secret is the one in use: the test project's own token does not verify.
      const other = await bounds(acme, { AUTH_SECRET: at32 });
      expect(other.headers.get("www-authenticate")).toBe(INVALID_CHALLENGE);
      await expectRefused(other, 401, "UNAUTHORIZED");
      // A token signed with the 31-byte secret (mintToken refuses to) changes nothing.
      const claims = { tenant: "acme", rights: ["read"], exp: epoch(600) };
      for (const jwt of [minted, await forge({ alg: "HS256", typ: "JWT" }, claims, at31)]) {
        const short = await bounds(jwt, { AUTH_SECRET: at31 });
        expect(short.headers.get("www-authenticate")).toBeNull();
        await expectRefused(short, 503, "AUTH_NOT_CONFIGURED");
      }
    });
  }

  /**
   * A valid token for acme with every right, padded with an extra claim to exactly `length`
   * characters. Unpadded base64url is never 1 modulo 4 characters long, so where the payload
   * cannot make up the length the header changes.
   */
  async function tokenOfLength(length: number): Promise<string> {
    const claims = { tenant: "acme", rights: [...RIGHTS], iat: epoch(), exp: epoch(600) };
    for (const header of [{ alg: "HS256", typ: "JWT" }, { alg: "HS256" }]) {
      const bare = (await forge(header, { ...claims, pad: "" })).length;
      for (let n = Math.max(0, Math.floor(((length - bare) * 3) / 4) - 3); n < length; n++) {
        const jwt = await forge(header, { ...claims, pad: "p".repeat(n) });
        if (jwt.length === length) return jwt;
        if (jwt.length > length) break;
      }
    }
    throw new Error(`No token of ${length} characters`);
  }

  it("a token of exactly 4096 characters is accepted, over the header and the subprotocol", async () => {
    expect(MAX_TOKEN_LENGTH).toBe(4096);
    const jwt = await tokenOfLength(4096);
    expect(jwt.length).toBe(4096);
    const res = await bounds(jwt);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ begin: 0, end: 0 });
    const tail = await fetchWorker(`/logs/acme/${uniqueName("edge")}/tail`, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": `edgelog, edgelog.bearer.${jwt}` },
    });
    expect(tail.status).toBe(101);
    tail.webSocket!.accept();
    tail.webSocket!.close(1000);
  });

  it("a validly signed token of 4097 characters is 401 invalid_token for its length alone", async () => {
    const jwt = await tokenOfLength(4097);
    expect(jwt.length).toBe(4097);
    const res = await bounds(jwt);
    expect(res.headers.get("www-authenticate")).toBe(INVALID_CHALLENGE);
    await expectRefused(res, 401, "UNAUTHORIZED");
  });
});
