// The Worker entry: /healthz, unknown routes, log names in the path.
import { describe, expect, it } from "vitest";
import { splitLogPath } from "../../../src/protocol/log_name.ts";
import { append, call, expectError, uniqueName } from "../helpers.ts";

describe("Worker entry", () => {
  it("GET /healthz answers ok", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("POST /healthz is 405 with Allow", async () => {
    const res = await call("/healthz", { method: "POST", body: "x" });
    expect(res.headers.get("allow")).toBe("GET");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });

  it("GET /healthz ignores its query (PROTOCOL.md: the one route that does)", async () => {
    for (const query of ["?x=1", "?ok=1&ok=2", "?from=-1"]) {
      const res = await call(`/healthz${query}`);
      expect([query, res.status]).toEqual([query, 200]);
      expect(await res.json()).toEqual({ ok: true });
    }
  });

  it("an unknown route is a JSON 404", async () => {
    await expectError(await call("/nope"), 404, "ROUTE_NOT_FOUND");
    await expectError(await call("/logs"), 404, "ROUTE_NOT_FOUND");
  });

  it("an unknown route inside a log is a JSON 404", async () => {
    await expectError(await call(`/logs/${uniqueName()}/records/1/x`), 404, "ROUTE_NOT_FOUND");
  });

  it("names may hold / segments, and tenants' logs are separate", async () => {
    const a = `tenant-a/${uniqueName()}`;
    const b = `tenant-b/${a.split("/")[1]}`;
    expect(await append(a, "a")).toBe(0);
    expect(await append(a, "a")).toBe(1);
    expect(await append(b, "b")).toBe(0);
    const res = await call(`/logs/${a}/bounds`);
    expect(await res.json()).toEqual({ begin: 0, end: 2 });
  });

  it("a name of 200 characters is accepted", async () => {
    const name = uniqueName().padEnd(200, "x");
    expect(await append(name, "x")).toBe(0);
  });

  for (
    const [label, name] of [
      ["too long", "x".repeat(201)],
      ["an empty segment", "a//b"],
      ["a percent-encoded character", "a%20b"],
      ["a forbidden character", "a:b"],
      ["a leading slash", "/a"],
    ] as const
  ) {
    it(`a name with ${label} is 400`, async () => {
      const res = await call(`/logs/${name}/bounds`);
      await expectError(res, 400, "BAD_REQUEST");
    });
  }

  it("dot segments are refused (clients' URL parsers already remove them)", () => {
    for (const rest of ["a/./b/bounds", "a/../bounds", "./bounds", "a/.."]) {
      expect(() => splitLogPath(rest)).toThrow(RangeError);
    }
    expect(splitLogPath("a/b.c/records/5")).toEqual({ name: "a/b.c", route: "/records/5" });
    expect(splitLogPath("a/b/")).toEqual({ name: "a/b", route: "/" });
  });

  it("an empty name is 400", async () => {
    await expectError(await call("/logs/"), 400, "BAD_REQUEST");
    await expectError(await call("/logs/records"), 400, "BAD_REQUEST");
  });
});
