// What only the mounted handler and RPC have: the Worker's own authorization hook (and
// tenant isolation under it), a base path, the vars as options, the stub's raw answers, and
// a LogObject class with its vars in code.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { mintToken } from "../../../src/protocol/token.ts";
import type { Env } from "../../../worker/env.ts";
import { edgelog, logObjectClass, logRpc } from "../../../worker/mod.ts";
import { decodeTailFrame } from "../../../src/protocol/wire.ts";
import { bytes, uniqueName } from "../helpers.ts";
import { GRANT_HEADER, honoApp, mounted } from "./ways.ts";

const BASE = "https://worker.test";

function send(path: string, init: RequestInit & { grant?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.grant !== undefined) headers.set(GRANT_HEADER, init.grant);
  return mounted.fetch(new Request(BASE + path, { ...init, headers }), env);
}

/** The response to a request that meets a fault, and what the Worker logged of it. */
async function loggedFault(
  call: () => Promise<Response>,
): Promise<{ response: Response; logged: string }> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const response = await call();
    return {
      response,
      logged: spy.mock.calls.map((args) => args.map(String).join(" ")).join("\n"),
    };
  } finally {
    spy.mockRestore();
  }
}

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).not.toBe("");
  return { status: response.status, code: body.error.code };
}

describe("edgelog() mounted with an authorize hook", () => {
  it("serves the API under its base path only", async () => {
    const log = `acme/${uniqueName("base")}`;
    const appended = await send(`/api/edgelog/logs/${log}/records`, {
      method: "POST",
      body: "x",
      grant: "acme:append",
    });
    expect(appended.status).toBe(200);
    expect(await appended.json()).toEqual({ offset: 0 });
    expect(await errorOf(await send(`/logs/${log}/records`, { grant: "acme:read" })))
      .toEqual({ status: 404, code: "ROUTE_NOT_FOUND" });
    expect(await errorOf(await send(`/api/edgelogs/logs/${log}/records`, { grant: "acme:read" })))
      .toEqual({ status: 404, code: "ROUTE_NOT_FOUND" });
    const health = await send("/api/edgelog/healthz", { grant: "acme:read" });
    expect(await health.json()).toEqual({ ok: true });
  });

  it("no grant is 401; the hook's own Response is answered as it is", async () => {
    const log = `acme/${uniqueName("hook")}`;
    expect(await errorOf(await send(`/api/edgelog/logs/${log}/bounds`)))
      .toEqual({ status: 401, code: "UNAUTHORIZED" });
    const own = await send(`/api/edgelog/logs/${log}/bounds`, { grant: "respond" });
    expect(own.status).toBe(418);
    expect(await own.text()).toBe("the hook's own answer");
  });

  it("a grant reaches its own tenant's logs only, with its rights only", async () => {
    const log = `acme/${uniqueName("tenant")}`;
    expect(
      (await send(`/api/edgelog/logs/${log}/records`, {
        method: "POST",
        body: "x",
        grant: "acme:append",
      })).status,
    ).toBe(200);
    // Another tenant, whatever its rights.
    expect(
      await errorOf(await send(`/api/edgelog/logs/${log}/records`, { grant: "globex:read" })),
    ).toEqual({ status: 403, code: "FORBIDDEN" });
    // The same tenant without the right of the route.
    expect(
      await errorOf(
        await send(`/api/edgelog/logs/${log}/records`, {
          method: "POST",
          body: "y",
          grant: "acme:read",
        }),
      ),
    ).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(
      await errorOf(
        await send(`/api/edgelog/logs/${log}/truncate?before=1`, {
          method: "POST",
          grant: "acme:read,append",
        }),
      ),
    ).toEqual({ status: 403, code: "FORBIDDEN" });
    const read = await send(`/api/edgelog/logs/${log}/bounds`, { grant: "acme:read" });
    expect(await read.json()).toEqual({ begin: 0, end: 1 });
  });

  it("a grant that breaks the rules is the Worker's fault: 500, and nothing is written", async () => {
    const log = `acme/${uniqueName("badgrant")}`;
    const failed = await loggedFault(() =>
      send(`/api/edgelog/logs/${log}/records`, { method: "POST", body: "x", grant: "ac/me:append" })
    );
    expect(failed.response.status).toBe(500);
    expect(failed.logged).toContain("The authorize hook returned an invalid grant");
    const bounds = await send(`/api/edgelog/logs/${log}/bounds`, { grant: "acme:read" });
    expect(await bounds.json()).toEqual({ begin: 0, end: 0 });
  });

  it("a tail through the mount: the upgrade is authorized by the hook and follows appends", async () => {
    const log = `acme/${uniqueName("tail")}`;
    const refused = await send(`/api/edgelog/logs/${log}/tail?from=0`, {
      headers: { upgrade: "websocket" },
      grant: "acme:append",
    });
    expect(await errorOf(refused)).toEqual({ status: 403, code: "FORBIDDEN" });
    const opened = await send(`/api/edgelog/logs/${log}/tail?from=0`, {
      headers: { upgrade: "websocket" },
      grant: "acme:read",
    });
    expect(opened.status).toBe(101);
    const ws = opened.webSocket!;
    const frames: Uint8Array[] = [];
    ws.addEventListener("message", (e) => {
      void (async () => {
        const data: unknown = e.data;
        const buffer = data instanceof Blob ? await data.arrayBuffer() : data as ArrayBuffer;
        frames.push(new Uint8Array(buffer));
      })();
    });
    ws.accept();
    await logRpc(env.LOGS, log).append(bytes("via rpc"));
    const deadline = Date.now() + 5000;
    while (frames.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const records = decodeTailFrame(frames[0]!);
    expect(records.map((r) => [r.offset, new TextDecoder().decode(r.data)])).toEqual([
      [0, "via rpc"],
    ]);
    ws.close(1000, "done");
  });

  it("the Hono sub-app serves under the path it is mounted at, beside the Worker's routes", async () => {
    const log = `acme/${uniqueName("hono")}`;
    const appended = await honoApp.fetch(
      new Request(`${BASE}/hono/edgelog/logs/${log}/records`, {
        method: "POST",
        body: "x",
        headers: { [GRANT_HEADER]: "acme:append" },
      }),
      env,
    );
    expect(await appended.json()).toEqual({ offset: 0 });
    const underParameter = await honoApp.fetch(
      new Request(`${BASE}/org/acme/edgelog/logs/${log}/bounds`, {
        headers: { [GRANT_HEADER]: "acme:read" },
      }),
      env,
    );
    expect(await underParameter.json()).toEqual({ begin: 0, end: 1 });
    const own = await honoApp.fetch(new Request(`${BASE}/hono/own`), env);
    expect(await own.text()).toBe("the Worker's own route");
    const refused = await honoApp.fetch(
      new Request(`${BASE}/hono/edgelog/logs/${log}/records`),
      env,
    );
    expect(await errorOf(refused)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });
});

describe("edgelog() options", () => {
  const SECRET = "a mounted secret of at least 32 bytes!";

  it("authSecret wins over the open development var: tokens are needed and work", async () => {
    // The test bindings open development mode (EDGELOG_OPEN_DEV = "true").
    expect(env.EDGELOG_OPEN_DEV).toBe("true");
    const handler = edgelog<Env>({ authSecret: SECRET });
    const log = `acme/${uniqueName("secret")}`;
    const url = `${BASE}/logs/${log}/bounds`;
    expect(await errorOf(await handler.fetch(new Request(url), env)))
      .toEqual({ status: 401, code: "UNAUTHORIZED" });
    const token = await mintToken(SECRET, { tenant: "acme", rights: ["read"] });
    const ok = await handler.fetch(
      new Request(url, { headers: { authorization: `Bearer ${token}` } }),
      env,
    );
    expect(await ok.json()).toEqual({ begin: 0, end: 0 });
  });

  it("openDev: false closes a deployment without a secret (503)", async () => {
    const handler = edgelog<Env>({ openDev: false });
    const response = await handler.fetch(new Request(`${BASE}/logs/acme/x/bounds`), env);
    expect(await errorOf(response)).toEqual({ status: 503, code: "AUTH_NOT_CONFIGURED" });
  });

  it("corsOrigins lists the origins browsers may call from", async () => {
    const handler = edgelog<Env>({ corsOrigins: ["https://app.example"] });
    const url = `${BASE}/logs/acme/${uniqueName("cors")}/bounds`;
    const allowed = await handler.fetch(
      new Request(url, { headers: { origin: "https://app.example" } }),
      env,
    );
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await handler.fetch(
      new Request(url, { headers: { origin: "https://evil.example" } }),
      env,
    );
    expect(await errorOf(other)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("logs names another binding, or a function of the bindings", async () => {
    const log = `acme/${uniqueName("binding")}`;
    const byFunction = edgelog<Env>({ logs: (e) => e.LOGS });
    const response = await byFunction.fetch(new Request(`${BASE}/logs/${log}/bounds`), env);
    expect(await response.json()).toEqual({ begin: 0, end: 0 });
    const missing = edgelog<Env>({ logs: "NOPE" });
    const failed = await loggedFault(() =>
      missing.fetch(new Request(`${BASE}/logs/${log}/bounds`), env)
    );
    expect(failed.response.status).toBe(500);
    expect(failed.logged).toContain('The binding "NOPE" is not a Durable Object namespace');
  });

  it("a basePath that is no path is a RangeError", () => {
    for (const basePath of ["edgelog", "/edgelog/", "/a?b", "//x"]) {
      expect(() => edgelog({ basePath }), basePath).toThrow(RangeError);
    }
  });
});

describe("the stub's own RPC methods", () => {
  it("answer { value } or { error } with the core error's code and fields", async () => {
    const stub = env.LOGS.getByName(`acme/${uniqueName("raw")}`);
    expect(await stub.append(bytes("a"))).toEqual({
      value: { offset: 0, count: 1, duplicate: false },
    });
    expect(await stub.read(5)).toEqual({
      error: {
        type: "LogError",
        code: "FUTURE_OFFSET",
        message: 'Offset "5" has not been written yet',
        fields: { offset: 5 },
      },
    });
    expect(await stub.readBatch(0, { limit: 0 })).toMatchObject({
      error: { type: "RangeError" },
    });
    expect(await stub.appendBatch("nope" as unknown as Uint8Array[])).toMatchObject({
      error: { type: "TypeError" },
    });
  });
});

describe("logObjectClass", () => {
  it("gives the object its vars in code: the defaults of a new log and their checks", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(`acme/${uniqueName("class")}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const Configured = logObjectClass({ defaults: { maxRecordSize: 64, maxAge: 60_000 } });
      const object = new Configured(state, env);
      await state.blockConcurrencyWhile(async () => {});
      expect(await object.config()).toEqual({
        value: { maxSegmentSize: null, maxRecordSize: 64, maxAge: 60_000 },
      });
      const Broken = logObjectClass({ defaults: { maxRecordSize: 0 } });
      const broken = new Broken(state, env);
      await state.blockConcurrencyWhile(async () => {});
      await expect(broken.config()).rejects.toThrow(/DEFAULT_MAX_RECORD_SIZE/);
    });
  });
});
