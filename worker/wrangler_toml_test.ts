// The deployment's configuration never opens it: no development flag and no secret in
// wrangler.toml's vars, so a deployed Worker without AUTH_SECRET refuses every request.
import assert from "node:assert/strict";

Deno.test("wrangler.toml sets neither EDGELOG_OPEN_DEV nor AUTH_SECRET", async () => {
  const toml = await Deno.readTextFile(new URL("../wrangler.toml", import.meta.url));
  const settings = toml.split("\n").filter((line) => !/^\s*#/.test(line)).join("\n");
  assert.doesNotMatch(settings, /EDGELOG_OPEN_DEV/);
  assert.doesNotMatch(settings, /AUTH_SECRET/);
});
