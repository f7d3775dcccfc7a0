// The core's conformance suite over the SQLite driver on a Durable Object's own storage
// (`ctx.storage.sql` through worker/object/sql_adapter.ts), run inside the object: the core's
// SqliteJournal, and the LogObject's ObjectJournal (bounds kept in memory).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import {
  type ConformanceCase,
  journalCases,
  logCases,
  type LogHarness,
  modelCases,
} from "../../src/conformance/mod.ts";
import { SqliteStore } from "../../src/drivers/sqlite_store.ts";
import { ObjectJournal } from "../../worker/object/object_journal.ts";
import { durableObjectSql } from "../../worker/object/sql_adapter.ts";

const SUITES: Record<string, (harness: LogHarness) => ConformanceCase[]> = {
  journalCases,
  logCases,
  modelCases,
};

let journals = 0;
const DRIVERS: Record<string, (storage: DurableObjectStorage) => LogHarness> = {
  SqliteJournal(storage) {
    const store = new SqliteStore(durableObjectSql(storage));
    return {
      create: (opts) => store.open(`conformance-${journals++}`, opts ?? {}),
      supportsStart: true,
    };
  },
  ObjectJournal(storage) {
    const db = durableObjectSql(storage);
    new SqliteStore(db);
    return {
      create: (opts) => new ObjectJournal(db, `conformance-${journals++}`, opts ?? {}),
      supportsStart: true,
    };
  },
};

// The cases are listed outside the object (vitest collects tests before any runs) and each
// runs inside it, over a harness of that object's storage. Each suite over each driver has an
// object of its own: in one object shared by all, every journal the earlier cases created
// stays in its SQLite database and the last suites slow down with it.
const namesOnly: LogHarness = {
  create: () => {
    throw new Error("Only case names are listed outside the object");
  },
  supportsStart: true,
};

for (const [driver, harnessOver] of Object.entries(DRIVERS)) {
  for (const [suiteName, suite] of Object.entries(SUITES)) {
    describe(`${suiteName} over ${driver} in a Durable Object`, () => {
      for (const { name } of suite(namesOnly)) {
        it(name, async () => {
          const stub = env.LOGS.get(env.LOGS.idFromName(`conformance/${driver}/${suiteName}`));
          await runInDurableObject(stub, async (_instance, state) => {
            const found = suite(harnessOver(state.storage)).find((c) => c.name === name);
            if (found === undefined) throw new Error(`No case "${name}"`);
            await found.fn();
          });
        });
      }
    });
  }
}
