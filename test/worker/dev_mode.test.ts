// Open development mode versus a configured secret. This project binds
// EDGELOG_OPEN_DEV = "true" and an empty AUTH_SECRET (vitest.config.ts); other bindings are
// tried by calling the Worker's fetch handler with bindings of their own.
import { describe, expect, it, vi } from "vitest";
import { mintToken } from "../../src/protocol/token.ts";
import { authMode } from "../../worker/middleware/auth.ts";
import { fetchWorker } from "./direct.ts";
import { uniqueName } from "./helpers.ts";

const SECRET = "a development secret of 32+ bytes!!";

async function error(res: Response): Promise<[number, string]> {
  const body = (await res.json()) as { error: { code: string } };
  return [res.status, body.error.code];
}

describe("open development mode (EDGELOG_OPEN_DEV, no secret)", () => {
  it("accepts requests without a token and says so once in the log", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const log = `acme/${uniqueName()}`;
    for (let i = 0; i < 3; i++) {
      const res = await fetchWorker(`/logs/${log}/records`, { method: "POST", body: "x" });
      expect(await res.json()).toEqual({ offset: i });
    }
    const said = warn.mock.calls.filter((c) => String(c[0]).includes("OPEN DEVELOPMENT MODE"));
    expect(said.length).toBe(1);
    warn.mockRestore();
  });

  it("ignores tokens, valid or not", async () => {
    const res = await fetchWorker(`/logs/acme/${uniqueName()}/bounds`, {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(res.status).toBe(200);
  });
});

describe("neither a secret nor the opt-in", () => {
  const closed = { EDGELOG_OPEN_DEV: undefined, AUTH_SECRET: undefined };

  it("refuses every request with 503 AUTH_NOT_CONFIGURED, /healthz excepted", async () => {
    for (const path of [`/logs/acme/${uniqueName()}/bounds`, "/nope", "/logs/acme/x"]) {
      expect(await error(await fetchWorker(path, {}, closed))).toEqual([
        503,
        "AUTH_NOT_CONFIGURED",
      ]);
    }
    const append = await fetchWorker(`/logs/acme/${uniqueName()}/records`, {
      method: "POST",
      body: "x",
    }, closed);
    expect(await error(append)).toEqual([503, "AUTH_NOT_CONFIGURED"]);
    expect((await fetchWorker("/healthz", {}, closed)).status).toBe(200);
  });

  for (const flag of ["1", "yes", "TRUE", "true ", ""]) {
    it(`EDGELOG_OPEN_DEV = ${JSON.stringify(flag)} does not open it`, async () => {
      const res = await fetchWorker(`/logs/acme/x/bounds`, {}, {
        ...closed,
        EDGELOG_OPEN_DEV: flag,
      });
      expect(await error(res)).toEqual([503, "AUTH_NOT_CONFIGURED"]);
    });
  }
});

describe("a secret is set", () => {
  it("every request needs a valid token, even with the opt-in still set", async () => {
    const bindings = { AUTH_SECRET: SECRET, EDGELOG_OPEN_DEV: "true" };
    const log = `acme/${uniqueName()}`;
    const anonymous = await fetchWorker(
      `/logs/${log}/records`,
      { method: "POST", body: "x" },
      bindings,
    );
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="edgelog"');
    expect(await error(anonymous)).toEqual([401, "UNAUTHORIZED"]);
    const jwt = await mintToken(SECRET, { tenant: "acme", rights: ["append", "read"] });
    const ok = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}` },
      body: "x",
    }, bindings);
    expect(await ok.json()).toEqual({ offset: 0 });
    const bounds = await fetchWorker(`/logs/${log}/bounds`, {}, bindings);
    expect(await error(bounds)).toEqual([401, "UNAUTHORIZED"]);
  });

  it("authMode: the secret wins, then only the exact opt-in opens", () => {
    expect(authMode({ AUTH_SECRET: SECRET, EDGELOG_OPEN_DEV: "true" })).toBe("secret");
    expect(authMode({ AUTH_SECRET: "", EDGELOG_OPEN_DEV: "true" })).toBe("open");
    expect(authMode({ EDGELOG_OPEN_DEV: "true" })).toBe("open");
    expect(authMode({ AUTH_SECRET: "" })).toBe("unconfigured");
    expect(authMode({})).toBe("unconfigured");
  });
});
