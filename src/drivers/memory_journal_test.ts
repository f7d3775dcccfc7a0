// Runs the conformance suite over MemoryJournal. EDGELOG_MODEL_RUNS sets the number of
// random sequences per model case (default 1000).
import assert from "node:assert/strict";
import { MemoryJournal } from "../../mod.ts";
import { journalCases, logCases, modelCases } from "../conformance/mod.ts";

const runs = Number(Deno.env.get("EDGELOG_MODEL_RUNS") ?? 1000);
const harness = { create: (opts = {}) => new MemoryJournal(opts), supportsStart: true };

const cases = [...journalCases(harness), ...logCases(harness), ...modelCases(harness, { runs })];
for (const c of cases) Deno.test(c.name, c.fn);

Deno.test("`new MemoryJournal()` throws synchronously for an invalid start or clock", () => {
  for (const start of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => new MemoryJournal({ start }), RangeError);
  }
  assert.throws(() => new MemoryJournal({ start: "1" as unknown as number }), TypeError);
  assert.throws(() => new MemoryJournal({ clock: "now" as unknown as () => Date }), TypeError);
});
