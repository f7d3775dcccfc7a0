// Browser-facing policy: allowed origins (CORS_ORIGINS), preflights answered by the Worker,
// other origins refused (WebSocket upgrades included), and nosniff on every response.
import { beforeAll, describe, expect, it } from "vitest";
import { PREFLIGHT_MAX_AGE } from "../../../src/protocol/headers.ts";
import { producerHeaders } from "../../../src/protocol/producer.ts";
import { uniqueName } from "../helpers.ts";
import { expectRefused, snapshot } from "./routes.ts";
import { allRights, bearer, fetchWorker, token, url } from "./tokens.ts";

const APP = "https://app.example.com";
const CORS = { CORS_ORIGINS: ` ${APP} , https://admin.example.com` };
let acme: string;

beforeAll(async () => {
  acme = await allRights("acme");
});

describe("CORS", () => {
  it("a preflight from an allowed origin is answered 204 by the Worker, without a token", async () => {
    const res = await fetchWorker(`/logs/acme/${uniqueName()}/records`, {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    }, CORS);
    expect(res.status).toBe(204);
    expect(res.headers.get("edgelog-instance")).toBeNull();
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,HEAD,POST,PUT,DELETE");
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "Authorization,Content-Type,Edgelog-Expected-Offset,Producer-Id,Producer-Epoch,Producer-Seq",
    );
    expect(res.headers.get("access-control-max-age")).toBe(String(PREFLIGHT_MAX_AGE));
    expect(res.headers.get("vary")).toContain("Origin");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("an allowed origin gets CORS headers on successes and on errors", async () => {
    const log = `acme/${uniqueName()}`;
    const ok = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: { origin: APP, ...bearer(acme) },
      body: "x",
    }, CORS);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP);
    expect(ok.headers.get("access-control-expose-headers")).toContain("Edgelog-Offset");
    expect(ok.headers.get("edgelog-offset")).toBe("0");
    const denied = await fetchWorker(`/logs/${log}/bounds`, { headers: { origin: APP } }, CORS);
    expect(denied.headers.get("access-control-allow-origin")).toBe(APP);
    expect(denied.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
    await expectRefused(denied, 401, "UNAUTHORIZED");
  });

  it("another origin is refused with 403, preflights and WebSocket upgrades included", async () => {
    const log = `acme/${uniqueName()}`;
    const evil = { origin: "https://evil.example.com" };
    await expectRefused(
      await fetchWorker(`/logs/${log}/records`, {
        method: "POST",
        headers: { ...evil, ...bearer(acme) },
        body: "x",
      }, CORS),
      403,
      "FORBIDDEN",
    );
    await expectRefused(
      await fetchWorker(`/logs/${log}/records`, {
        method: "OPTIONS",
        headers: { ...evil, "access-control-request-method": "POST" },
      }, CORS),
      403,
      "FORBIDDEN",
    );
    const tail = await fetchWorker(`/logs/${log}/tail`, {
      headers: {
        ...evil,
        upgrade: "websocket",
        "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}`,
      },
    }, CORS);
    expect(tail.headers.get("access-control-allow-origin")).toBeNull();
    await expectRefused(tail, 403, "FORBIDDEN");
    const bounds = await fetchWorker(`/logs/${log}/bounds`, { headers: bearer(acme) });
    expect(await bounds.json()).toEqual({ begin: 0, end: 0 });
  });

  it("without CORS_ORIGINS every origin is refused; a request without Origin passes", async () => {
    const log = `acme/${uniqueName()}`;
    await expectRefused(
      await fetchWorker(`/logs/${log}/bounds`, { headers: { origin: APP, ...bearer(acme) } }),
      403,
      "FORBIDDEN",
    );
    await expectRefused(
      await fetchWorker(`/logs/${log}/bounds`, { headers: { origin: "null", ...bearer(acme) } }),
      403,
      "FORBIDDEN",
    );
    expect((await fetchWorker(`/logs/${log}/bounds`, { headers: bearer(acme) })).status).toBe(200);
  });

  it("the API's own origin (a page of this Worker: the console) is allowed without being listed", async () => {
    const log = `acme/${uniqueName()}`;
    const own = new URL(url("/")).origin;
    const post = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: { origin: own, ...bearer(acme) },
      body: "x",
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBe(own);
    // Still a token is needed: the origin only lets the request through to the check.
    await expectRefused(
      await fetchWorker(`/logs/${log}/bounds`, { headers: { origin: own } }),
      401,
      "UNAUTHORIZED",
    );
    const tail = await fetchWorker(`/logs/${log}/tail`, {
      headers: {
        origin: own,
        upgrade: "websocket",
        "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}`,
      },
    });
    expect(tail.status).toBe(101);
    tail.webSocket!.accept();
    tail.webSocket!.close(1000);
  });

  it('CORS_ORIGINS = "*" allows any origin', async () => {
    const res = await fetchWorker(`/logs/acme/${uniqueName()}/bounds`, {
      headers: { origin: "https://anywhere.example", ...bearer(acme) },
    }, { CORS_ORIGINS: "*" });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
  });

  it("a WebSocket tail from an allowed origin is accepted", async () => {
    const res = await fetchWorker(`/logs/acme/${uniqueName()}/tail`, {
      headers: {
        origin: APP,
        upgrade: "websocket",
        "sec-websocket-protocol": `edgelog, edgelog.bearer.${acme}`,
      },
    }, CORS);
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe("edgelog");
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });
});

describe("X-Content-Type-Options: nosniff", () => {
  it("is on every kind of response but the 101", async () => {
    const log = `acme/${uniqueName()}`;
    const auth = bearer(acme);
    const responses: Array<[string, Response]> = [
      [
        "200 from the object",
        await fetchWorker(`/logs/${log}/records`, {
          method: "POST",
          headers: auth,
          body: "<html><script>alert(1)</script>",
        }),
      ],
      ["200 raw record", await fetchWorker(`/logs/${log}/records/0`, { headers: auth })],
      ["200 NDJSON", await fetchWorker(`/logs/${log}/records`, { headers: auth })],
      ["4xx from the object", await fetchWorker(`/logs/${log}/records/9`, { headers: auth })],
      ["401 from the Worker", await fetchWorker(`/logs/${log}/bounds`)],
      ["404 from the Worker", await fetchWorker("/nope", { headers: auth })],
      ["healthz", await fetchWorker("/healthz")],
      ["405 healthz", await fetchWorker("/healthz", { method: "POST" })],
      ["204 delete", await fetchWorker(`/logs/${log}`, { method: "DELETE", headers: auth })],
      [
        "preflight",
        await fetchWorker("/logs/acme/x/records", {
          method: "OPTIONS",
          headers: { origin: APP },
        }, CORS),
      ],
    ];
    for (const [label, res] of responses) {
      expect(res.headers.get("x-content-type-options"), label).toBe("nosniff");
      await res.arrayBuffer();
    }
  });
});

describe("Access-Control-Expose-Headers", () => {
  /**
   * What PROTOCOL.md says is exposed: Allow, the Edgelog-* and Producer-* headers,
   * WWW-Authenticate.
   */
  const DOCUMENTED = [
    "allow",
    "edgelog-created",
    "edgelog-duplicate",
    "edgelog-end",
    "edgelog-instance",
    "edgelog-next-offset",
    "edgelog-offset",
    "producer-epoch",
    "producer-expected-seq",
    "producer-received-seq",
    "producer-seq",
    "www-authenticate",
  ];
  /** The response headers that a browser page needs exposed to read. */
  const needsExposing = (name: string) =>
    name === "allow" || name === "www-authenticate" || name.startsWith("edgelog-") ||
    name.startsWith("producer-");
  const exposed = (res: Response) =>
    (res.headers.get("access-control-expose-headers") ?? "").split(",")
      .map((h) => h.trim().toLowerCase()).filter((h) => h !== "").sort();

  it("lists Allow, every Edgelog-* header the API sends and WWW-Authenticate, on successes and errors", async () => {
    const log = `acme/${uniqueName("expose")}`;
    const from = { origin: APP };
    const auth = { ...from, ...bearer(acme) };
    const responses: Array<[string, Response]> = [
      [
        "200 append",
        await fetchWorker(
          `/logs/${log}/records`,
          { method: "POST", headers: auth, body: "x" },
          CORS,
        ),
      ],
      ["200 one record", await fetchWorker(`/logs/${log}/records/0`, { headers: auth }, CORS)],
      ["200 a batch", await fetchWorker(`/logs/${log}/records?from=0`, { headers: auth }, CORS)],
      [
        "409 conflict",
        await fetchWorker(`/logs/${log}/records?expected=0`, {
          method: "POST",
          headers: auth,
          body: "y",
        }, CORS),
      ],
      [
        "200 a producer's append",
        await fetchWorker(`/logs/${log}/records`, {
          method: "POST",
          headers: { ...auth, ...producerHeaders({ id: "p", epoch: 0, seq: 0 }) },
          body: "z",
        }, CORS),
      ],
      [
        "200 its retry",
        await fetchWorker(`/logs/${log}/records`, {
          method: "POST",
          headers: { ...auth, ...producerHeaders({ id: "p", epoch: 0, seq: 0 }) },
          body: "z",
        }, CORS),
      ],
      [
        "409 a gap",
        await fetchWorker(`/logs/${log}/records`, {
          method: "POST",
          headers: { ...auth, ...producerHeaders({ id: "p", epoch: 0, seq: 5 }) },
          body: "z",
        }, CORS),
      ],
      [
        "405 from the Worker",
        await fetchWorker(`/logs/${log}/records`, { method: "PATCH", headers: auth }, CORS),
      ],
      ["401 from the Worker", await fetchWorker(`/logs/${log}/bounds`, { headers: from }, CORS)],
      ["404 from the Worker", await fetchWorker(`/logs/${log}/bounds/x`, { headers: auth }, CORS)],
      ["405 /healthz", await fetchWorker("/healthz", { method: "POST", headers: from }, CORS)],
      ["204 delete", await fetchWorker(`/logs/${log}`, { method: "DELETE", headers: auth }, CORS)],
    ];
    const sent = new Set<string>();
    const statuses: number[] = [];
    for (const [label, res] of responses) {
      statuses.push(res.status);
      expect(res.headers.get("access-control-allow-origin"), label).toBe(APP);
      expect(exposed(res), label).toEqual(DOCUMENTED);
      if (res.status === 405) expect(res.headers.get("allow"), label).not.toBeNull();
      if (res.status === 401) expect(res.headers.get("www-authenticate"), label).not.toBeNull();
      for (const [name] of res.headers) {
        if (!needsExposing(name)) continue;
        sent.add(name);
        expect(exposed(res), `${label}: ${name}`).toContain(name);
      }
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 409, 200, 200, 409, 405, 401, 404, 405, 204]);
    // Every documented header was really sent by one of these responses.
    expect([...sent].sort()).toEqual(DOCUMENTED);
  });
});

describe("a disallowed Origin is refused before anything else", () => {
  const EVIL = "https://evil.example.com";
  let acmeRead: string;
  let log: string;

  beforeAll(async () => {
    acmeRead = await token({ tenant: "acme", rights: ["read"] });
    log = `acme/${uniqueName("origin")}`;
    const res = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: bearer(acme),
      body: "kept",
    });
    expect(res.status).toBe(200);
  });

  /** A request that gets the answer `otherwise` without an Origin. */
  interface OriginCase {
    label: string;
    /** `{log}` stands for a log of acme that holds a record. */
    path: string;
    method?: string;
    body?: string;
    jwt?: "acme" | "read" | "invalid";
    headers?: Record<string, string>;
    bindings?: Parameters<typeof fetchWorker>[2];
    otherwise: number;
  }

  const cases: OriginCase[] = [
    { label: "no token", path: "/logs/{log}/records", method: "POST", body: "x", otherwise: 401 },
    {
      label: "no token, a WebSocket upgrade",
      path: "/logs/{log}/tail",
      headers: { upgrade: "websocket", "sec-websocket-protocol": "edgelog" },
      otherwise: 401,
    },
    { label: "an invalid token", path: "/logs/{log}/bounds", jwt: "invalid", otherwise: 401 },
    {
      label: "no token and a bad log name",
      path: "/logs/acme/bad%20name/records",
      method: "POST",
      body: "x",
      otherwise: 401,
    },
    {
      label: "a valid token and a bad log name",
      path: "/logs/acme//x/records",
      method: "POST",
      body: "x",
      jwt: "acme",
      otherwise: 400,
    },
    {
      label: "a route that does not exist",
      path: "/logs/{log}/bounds/x",
      jwt: "acme",
      otherwise: 404,
    },
    {
      label: "a method the route does not take",
      path: "/logs/{log}/records",
      method: "PATCH",
      body: "x",
      jwt: "acme",
      otherwise: 405,
    },
    {
      label: "a token without the right",
      path: "/logs/{log}/records",
      method: "POST",
      body: "x",
      jwt: "read",
      otherwise: 403,
    },
    { label: "a path outside /logs/ without a token", path: "/nope", otherwise: 401 },
    { label: "GET /healthz", path: "/healthz", otherwise: 200 },
    { label: "POST /healthz", path: "/healthz", method: "POST", body: "x", otherwise: 405 },
    {
      label: "no AUTH_SECRET and no open mode",
      path: "/logs/{log}/bounds",
      jwt: "acme",
      bindings: { AUTH_SECRET: undefined, EDGELOG_OPEN_DEV: undefined },
      otherwise: 503,
    },
    {
      label: "an AUTH_SECRET under 32 bytes",
      path: "/logs/{log}/bounds",
      jwt: "acme",
      bindings: { AUTH_SECRET: "short" },
      otherwise: 503,
    },
    {
      label: "open development mode",
      path: "/logs/{log}/bounds",
      bindings: { AUTH_SECRET: "", EDGELOG_OPEN_DEV: "true" },
      otherwise: 200,
    },
  ];

  for (const c of cases) {
    it(`with ${c.label}: 403 FORBIDDEN (${c.otherwise} without the Origin)`, async () => {
      const jwt = { acme, read: acmeRead, invalid: "not-a-jwt", none: undefined }[c.jwt ?? "none"];
      const request = (origin: Record<string, string>) => {
        const init: RequestInit = {
          method: c.method ?? "GET",
          headers: { ...c.headers, ...(jwt === undefined ? {} : bearer(jwt)), ...origin },
        };
        if (c.body !== undefined) init.body = c.body;
        return fetchWorker(c.path.replace("{log}", log), init, { ...CORS, ...c.bindings });
      };
      const before = await snapshot(log, acme);
      const res = await request({ origin: EVIL });
      expect(res.headers.get("www-authenticate")).toBeNull();
      expect(res.headers.get("allow")).toBeNull();
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      await expectRefused(res, 403, "FORBIDDEN");
      expect(await snapshot(log, acme)).toEqual(before);
      // The same request without the Origin: the 403 above was the Origin's.
      const without = await request({});
      expect(without.status).toBe(c.otherwise);
      await without.arrayBuffer();
    });
  }

  it("GET /healthz from an allowed origin is 200 with CORS headers", async () => {
    const res = await fetchWorker("/healthz", { headers: { origin: APP } }, CORS);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(await res.json()).toEqual({ ok: true });
  });
});
