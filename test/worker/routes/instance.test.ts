// The Edgelog-Instance header on every answer from a log.
import { describe, expect, it } from "vitest";
import { call, uniqueName } from "../helpers.ts";

describe("Edgelog-Instance", () => {
  it("is on every response from a log, errors and 204 included, the same id each time", async () => {
    const name = uniqueName();
    const responses: Array<[string, Response]> = [
      ["append", await call(`/logs/${name}/records`, { method: "POST", body: "a" })],
      ["404 FUTURE_OFFSET", await call(`/logs/${name}/records/5`)],
      ["405", await call(`/logs/${name}/bounds`, { method: "POST" })],
      ["NDJSON read", await call(`/logs/${name}/records?from=0`)],
      ["DELETE", await call(`/logs/${name}`, { method: "DELETE" })],
      ["bounds after DELETE", await call(`/logs/${name}/bounds`)],
    ];
    expect(responses.map(([label, res]) => [label, res.status])).toEqual([
      ["append", 200],
      ["404 FUTURE_OFFSET", 404],
      ["405", 405],
      ["NDJSON read", 200],
      ["DELETE", 204],
      ["bounds after DELETE", 200],
    ]);
    const first = responses[0]![1].headers.get("edgelog-instance");
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const [label, res] of responses) {
      expect(res.headers.get("edgelog-instance"), label).toBe(first);
      await res.body?.cancel();
    }
    // An id of the instance, not a constant: another log's object has its own.
    const other = await call(`/logs/${uniqueName()}/bounds`);
    expect(other.headers.get("edgelog-instance")).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.headers.get("edgelog-instance")).not.toBe(first);
  });
});
