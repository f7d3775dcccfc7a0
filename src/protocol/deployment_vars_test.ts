import assert from "node:assert/strict";
import { deploymentVarsOf } from "./deployment_vars.ts";

Deno.test("deploymentVarsOf: each option as its var; options not given set none", () => {
  assert.deepEqual(deploymentVarsOf({}), {});
  assert.deepEqual(
    deploymentVarsOf({
      defaults: { maxSegmentSize: 500, maxRecordSize: 64, maxAge: 60_000 },
      maxTails: 3,
      corsOrigins: ["https://a.example", "https://b.example"],
    }),
    {
      DEFAULT_MAX_SEGMENT_SIZE: "500",
      DEFAULT_MAX_RECORD_SIZE: "64",
      DEFAULT_MAX_AGE: "60000",
      MAX_TAILS_PER_LOG: "3",
      CORS_ORIGINS: "https://a.example,https://b.example",
    },
  );
});

Deno.test("deploymentVarsOf: keep-everything values are the vars' own forms", () => {
  assert.deepEqual(deploymentVarsOf({ defaults: { maxSegmentSize: Infinity, maxAge: null } }), {
    DEFAULT_MAX_SEGMENT_SIZE: "Infinity",
    DEFAULT_MAX_AGE: "",
  });
  assert.deepEqual(deploymentVarsOf({ corsOrigins: "*" }), { CORS_ORIGINS: "*" });
});
