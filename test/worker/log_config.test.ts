import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_TAILS, MAX_RECORD_SIZE_LIMIT } from "../../src/protocol/limits.ts";
import { parseDeploymentVars } from "../../worker/env.ts";
import { LogObject } from "../../worker/object/log_object.ts";
import { append, BASE, call, uniqueName } from "./helpers.ts";

describe("parseDeploymentVars()", () => {
  it("unset and empty vars take the defaults", () => {
    const defaults = {
      defaults: { maxSegmentSize: null, maxRecordSize: 1048576, maxAge: null },
      maxTails: DEFAULT_MAX_TAILS,
    };
    expect(parseDeploymentVars({})).toEqual(defaults);
    expect(
      parseDeploymentVars({
        DEFAULT_MAX_RECORD_SIZE: "",
        DEFAULT_MAX_SEGMENT_SIZE: "",
        DEFAULT_MAX_AGE: "",
        MAX_TAILS_PER_LOG: "",
      }),
    ).toEqual(defaults);
  });

  it("reads integers and Infinity", () => {
    expect(
      parseDeploymentVars({
        DEFAULT_MAX_RECORD_SIZE: String(MAX_RECORD_SIZE_LIMIT),
        DEFAULT_MAX_SEGMENT_SIZE: "500",
        DEFAULT_MAX_AGE: "86400000",
        MAX_TAILS_PER_LOG: "7",
      }),
    ).toEqual({
      defaults: { maxSegmentSize: 500, maxRecordSize: MAX_RECORD_SIZE_LIMIT, maxAge: 86_400_000 },
      maxTails: 7,
    });
    expect(parseDeploymentVars({ DEFAULT_MAX_SEGMENT_SIZE: "Infinity" }).defaults.maxSegmentSize)
      .toBeNull();
  });

  for (
    const [name, value] of [
      ["DEFAULT_MAX_RECORD_SIZE", "abc"],
      ["DEFAULT_MAX_RECORD_SIZE", "0"],
      ["DEFAULT_MAX_RECORD_SIZE", String(MAX_RECORD_SIZE_LIMIT + 1)],
      ["DEFAULT_MAX_RECORD_SIZE", "1.5"],
      ["DEFAULT_MAX_SEGMENT_SIZE", "-1"],
      ["DEFAULT_MAX_SEGMENT_SIZE", "infinity"],
      ["DEFAULT_MAX_SEGMENT_SIZE", "1e3"],
      ["DEFAULT_MAX_AGE", "0"],
      ["DEFAULT_MAX_AGE", "Infinity"],
      ["DEFAULT_MAX_AGE", "1.5"],
      ["DEFAULT_MAX_AGE", "10m"],
      ["DEFAULT_MAX_AGE", "9007199254740992"],
      ["MAX_TAILS_PER_LOG", "0"],
      ["MAX_TAILS_PER_LOG", "lots"],
    ] as const
  ) {
    it(`${name} = ${JSON.stringify(value)} is a RangeError naming the var`, () => {
      expect(() => parseDeploymentVars({ [name]: value })).toThrow(RangeError);
      expect(() => parseDeploymentVars({ [name]: value })).toThrow(
        new RegExp(`^The var ${name} must be .*, got "${value.replace(".", "\\.")}"$`),
      );
    });
  }
});

describe("a LogObject started with a bad var", () => {
  it("answers every request 500 INTERNAL, and its storage is untouched", async () => {
    const name = uniqueName();
    expect(await append(name, "kept")).toBe(0);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const broken = new LogObject(state, { ...env, DEFAULT_MAX_RECORD_SIZE: "1MiB" });
      for (
        const request of [
          new Request(`${BASE}/logs/${name}/records`, { method: "POST", body: "lost" }),
          new Request(`${BASE}/logs/${name}/bounds`),
        ]
      ) {
        const res = await broken.fetch(request);
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({
          error: { code: "INTERNAL", message: "Internal error" },
        });
      }
    });
    // The object's own instance, started with the right vars, still holds only the record.
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 1 });
  });
});
