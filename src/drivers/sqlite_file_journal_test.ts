// Runs the conformance suite over SqliteJournal in a SQLite file in a temporary directory
// (node:sqlite, WAL, synchronous commits). EDGELOG_MODEL_RUNS sets the random sequences
// per model case (default 1000).
import { DatabaseSync } from "node:sqlite";
import { nodeSqlite, SqliteStore } from "../../mod.ts";
import { journalCases, logCases, modelCases } from "../conformance/mod.ts";

const runs = Number(Deno.env.get("EDGELOG_MODEL_RUNS") ?? 1000);
const dir = await Deno.makeTempDir({ prefix: "edgelog_conformance_" });
const store = new SqliteStore(nodeSqlite(new DatabaseSync(`${dir}/journals.db`)));
let journals = 0;
// Every case gets a fresh journal: a new name in the shared store.
const harness = {
  create: (opts = {}) => store.open(`case-${journals++}`, opts),
  supportsStart: true,
};

const cases = [...journalCases(harness), ...logCases(harness), ...modelCases(harness, { runs })];
for (const c of cases) Deno.test(c.name, c.fn);
globalThis.addEventListener("unload", () => {
  store.close();
  Deno.removeSync(dir, { recursive: true });
});
