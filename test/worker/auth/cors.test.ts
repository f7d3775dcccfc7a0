// Browser-facing policy: allowed origins (CORS_ORIGINS), preflights answered by the Worker,
// other origins refused (WebSocket upgrades included), and nosniff on every response.
import { beforeAll, describe, expect, it } from "vitest";
import { PREFLIGHT_MAX_AGE } from "../../../worker/cors.ts";
import { uniqueName } from "../helpers.ts";
import { expectRefused } from "./routes.ts";
import { allRights, bearer, fetchWorker } from "./tokens.ts";

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
      "Authorization,Content-Type,Edgelog-Expected-Offset",
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
