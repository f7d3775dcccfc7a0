// Exact-name tokens (the `names` claim) through the Worker: a token for exactly `demo`, a
// single-segment name no prefix reaches, opens `demo` and nothing that merely starts with
// it; a prefix token keeps its plain string prefix meaning.
import { describe, expect, it } from "vitest";
import { bearer, fetchWorker, forge, token } from "./tokens.ts";
import { uniqueName } from "../helpers.ts";

/** Appends `body` to `log` with `jwt` and answers the status and error code, if any. */
async function append(log: string, jwt: string, body = "x"): Promise<[number, string?]> {
  const res = await fetchWorker(`/logs/${log}/records`, {
    method: "POST",
    headers: bearer(jwt),
    body,
  });
  const json = await res.json() as { error?: { code: string } };
  return json.error === undefined ? [res.status] : [res.status, json.error.code];
}

describe("an exact-name token", () => {
  it("for demo reaches demo, and not demo2, demolition or demo/x", async () => {
    const jwt = await token({ tenant: "demo", names: ["demo"], rights: ["append", "read"] });
    expect(await append("demo", jwt)).toEqual([200]);
    const read = await fetchWorker("/logs/demo/records/0", { headers: bearer(jwt) });
    expect(read.status).toBe(200);
    expect(new TextDecoder().decode(await read.arrayBuffer())).toBe("x");
    for (const other of ["demo2", "demolition", "demo/x", "dem"]) {
      expect(await append(other, jwt), other).toEqual([403, "FORBIDDEN"]);
    }
  });

  it("for acme/demo reaches acme/demo, and not acme/demo2 or another tenant's", async () => {
    const name = `acme/${uniqueName("exact")}`;
    const jwt = await token({ tenant: "acme", names: [name], rights: ["append"] });
    expect(await append(name, jwt)).toEqual([200]);
    for (const other of [`${name}2`, `${name}/x`, `acme/other`, `globex/${name.slice(5)}`]) {
      expect(await append(other, jwt), other).toEqual([403, "FORBIDDEN"]);
    }
  });

  it("with a prefix as well reaches both, and only both", async () => {
    const jwt = await token({
      tenant: "acme",
      logs: "acme/orders/",
      names: ["acme/audit"],
      rights: ["append"],
    });
    expect(await append("acme/audit", jwt)).toEqual([200]);
    expect(await append(`acme/orders/${uniqueName("eu")}`, jwt)).toEqual([200]);
    expect(await append("acme/auditx", jwt)).toEqual([403, "FORBIDDEN"]);
    expect(await append("acme/orders", jwt)).toEqual([403, "FORBIDDEN"]);
  });

  it("naming another tenant's log is refused as an invalid token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await forge({ alg: "HS256" }, {
      tenant: "acme",
      names: ["globex/demo"],
      rights: ["append"],
      exp: now + 600,
    });
    expect(await append("globex/demo", jwt)).toEqual([401, "UNAUTHORIZED"]);
  });
});

describe("a prefix token", () => {
  it("is a plain string prefix, as before: acme/demo also opens acme/demo2", async () => {
    const jwt = await token({ tenant: "acme", logs: "acme/demo", rights: ["append"] });
    for (const name of ["acme/demo", "acme/demo2", "acme/demolition", "acme/demo/x"]) {
      expect(await append(name, jwt), name).toEqual([200]);
    }
    expect(await append("acme/dem", jwt)).toEqual([403, "FORBIDDEN"]);
  });

  it("by default covers the tenant's every log, and never the single-segment name", async () => {
    const jwt = await token({ tenant: "demo", rights: ["append"] });
    expect(await append(`demo/${uniqueName("x")}`, jwt)).toEqual([200]);
    expect(await append("demo", jwt)).toEqual([403, "FORBIDDEN"]);
  });
});
