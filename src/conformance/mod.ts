/**
 * The conformance suite of edgelog, shipped as library code: one set of cases that every
 * storage driver and every client of the Journal contract must pass, runnable by any test
 * runner in any runtime (Deno, Node, vitest, Cloudflare workerd). The cases use nothing
 * but the language, the Web platform and fast-check.
 *
 * - {@linkcode journalCases}: the Journal contract, for any `Journal`.
 * - {@linkcode logCases}: the Log contract over a storage driver (a `StorageJournal`).
 * - {@linkcode modelCases}: random operation sequences compared with a plain model.
 *
 * Each function takes a harness that creates fresh journals, and a `skip` list: case
 * names, each with the written reason why the implementation does not pass it. Skipped
 * cases are left out of the returned list, so an adapter is one line:
 * `for (const c of cases) Deno.test(c.name, c.fn)`, or `it(c.name, c.fn)` under vitest.
 *
 * @example Running every case over MemoryJournal
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { journalCases, logCases, modelCases } from "@edgelog/edgelog/conformance";
 *
 * const harness = {
 *   create: (opts?: { start?: number }) => new MemoryJournal(opts),
 *   supportsStart: true,
 * };
 * const cases = [
 *   ...journalCases(harness),
 *   ...logCases(harness),
 *   ...modelCases(harness, { runs: 50 }),
 * ];
 * for (const c of cases) await c.fn(); // in a test file: Deno.test(c.name, c.fn)
 * ```
 *
 * @example Skipping a case, with the reason
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { journalCases } from "@edgelog/edgelog/conformance";
 * import assert from "node:assert/strict";
 *
 * const all = journalCases({ create: () => new MemoryJournal() });
 * const some = journalCases({ create: () => new MemoryJournal() }, {
 *   skip: { "`close()` twice is harmless": "An example of a written reason" },
 * });
 * assert.equal(some.length, all.length - 1);
 * ```
 *
 * @module
 */
export type {
  CaseOptions,
  ConformanceCase,
  HarnessOptions,
  JournalHarness,
  LogHarness,
  SkipList,
} from "./suite.ts";
export { journalCases } from "./journal_cases.ts";
export { logCases } from "./log_cases.ts";
export { modelCases, type ModelOptions } from "./model_cases.ts";
