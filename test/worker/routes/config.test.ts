// GET/PUT /logs/{name}/config: a log's config, kept with the log.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LogObject } from "../../../worker/object/log_object.ts";
import { appendBatch, BASE, call, expectError, uniqueName } from "../helpers.ts";

describe("GET/PUT /logs/{name}/config", () => {
  it("defaults come from wrangler.toml vars", async () => {
    const res = await call(`/logs/${uniqueName()}/config`);
    expect(await res.json()).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
      maxAge: null,
    });
  });

  it('PUT changes and persists fields, null and "Infinity" turn retention off', async () => {
    const name = uniqueName();
    const put = await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 10 }),
    });
    expect(await put.json()).toEqual({
      maxSegmentSize: 10,
      maxRecordSize: 1048576,
      maxAge: null,
    });
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: 10,
      maxRecordSize: 1048576,
      maxAge: null,
    });
    for (const none of [null, "Infinity"]) {
      await call(`/logs/${name}/config`, {
        method: "PUT",
        body: JSON.stringify({ maxSegmentSize: 10 }),
      });
      const res = await call(`/logs/${name}/config`, {
        method: "PUT",
        body: JSON.stringify({ maxSegmentSize: none }),
      });
      expect(((await res.json()) as { maxSegmentSize: unknown }).maxSegmentSize).toBeNull();
    }
  });

  it("the config is stored with the log: a new instance over the same storage reads it", async () => {
    const name = uniqueName();
    const put = await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 7, maxRecordSize: 123, maxAge: 86_400_000 }),
    });
    expect(await put.json()).toEqual({
      maxSegmentSize: 7,
      maxRecordSize: 123,
      maxAge: 86_400_000,
    });
    const before = put.headers.get("edgelog-instance");
    // As after an eviction: a new LogObject over the same state, its memory empty.
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const fresh = new LogObject(state, env);
      // The runtime holds events back until the constructor's blockConcurrencyWhile is done;
      // a direct call is not held back, so wait for it here.
      await state.blockConcurrencyWhile(async () => {});
      const res = await fresh.fetch(new Request(`${BASE}/logs/${name}/config`));
      expect(res.status).toBe(200);
      expect(res.headers.get("edgelog-instance")).not.toBe(before);
      expect(await res.json()).toEqual({
        maxSegmentSize: 7,
        maxRecordSize: 123,
        maxAge: 86_400_000,
      });
      // And it enforces it.
      const large = await fresh.fetch(
        new Request(`${BASE}/logs/${name}/records`, { method: "POST", body: new Uint8Array(124) }),
      );
      const error = await expectError(large, 413, "RECORD_TOO_LARGE");
      expect(error.limit).toBe(123);
    });
  });

  it("retention by segment size applies to later appends", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 2 }),
    });
    await appendBatch(name, ["a", "b", "c", "d", "e"]);
    expect(await (await call(`/logs/${name}/range`)).json()).toEqual({ earliest: 2, latest: 4 });
  });

  it("invalid configs are 400", async () => {
    const name = uniqueName();
    for (
      const body of [
        "not json",
        "[]",
        JSON.stringify({ maxSegmentSize: 0 }),
        JSON.stringify({ maxSegmentSize: 1.5 }),
        JSON.stringify({ maxSegmentSize: "10" }),
        JSON.stringify({ maxRecordSize: 0 }),
        JSON.stringify({ maxRecordSize: 1999001 }),
        JSON.stringify({ maxRecordSize: null }),
        JSON.stringify({ maxAge: 0 }),
        JSON.stringify({ maxAge: -1 }),
        JSON.stringify({ maxAge: 1.5 }),
        JSON.stringify({ maxAge: "60000" }),
        JSON.stringify({ maxAge: "Infinity" }),
        JSON.stringify({ other: 1 }),
      ]
    ) {
      const res = await call(`/logs/${name}/config`, { method: "PUT", body });
      await expectError(res, 400, "BAD_REQUEST");
    }
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
      maxAge: null,
    });
  });

  it("a config body over 4096 bytes is 413", async () => {
    const res = await call(`/logs/${uniqueName()}/config`, {
      method: "PUT",
      body: " ".repeat(5000),
    });
    await expectError(res, 413, "REQUEST_TOO_LARGE");
  });

  it("POST is 405", async () => {
    const res = await call(`/logs/${uniqueName()}/config`, { method: "POST", body: "{}" });
    expect(res.headers.get("allow")).toBe("GET, PUT");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });
});
