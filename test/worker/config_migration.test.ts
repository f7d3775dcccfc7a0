// The LogObject migrates the config table at start-up: storage written by release 6c31caf
// (its table, no layout version) keeps its config, and gains retention by age.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LogObject } from "../../worker/object/log_object.ts";
import { append, BASE, uniqueName } from "./helpers.ts";

describe("the config table at start-up", () => {
  it("a table as release 6c31caf wrote it is migrated and its config found", async () => {
    const name = uniqueName();
    expect(await append(name, "kept")).toBe(0);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      // Back to what 6c31caf left: its table and row, and no version for the config.
      sql.exec("DROP TABLE edgelog_config");
      sql.exec("DELETE FROM edgelog_schema WHERE part = 'config'");
      sql.exec(`CREATE TABLE IF NOT EXISTS edgelog_config (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_segment_size INTEGER,
  max_record_size INTEGER NOT NULL
)`);
      sql.exec(
        "INSERT OR REPLACE INTO edgelog_config (id, max_segment_size, max_record_size) VALUES (1, ?, ?)",
        7,
        123,
      );
      // The object starts again over that storage, as after a deployment of this release.
      const started = new LogObject(state, env);
      await state.blockConcurrencyWhile(async () => {});
      const res = await started.fetch(new Request(`${BASE}/logs/${name}/config`));
      expect(await res.json()).toEqual({ maxSegmentSize: 7, maxRecordSize: 123, maxAge: null });
      const version = sql.exec<{ version: number }>(
        "SELECT version FROM edgelog_schema WHERE part = 'config'",
      ).one().version;
      expect(version).toBe(2);
      const put = await started.fetch(
        new Request(`${BASE}/logs/${name}/config`, {
          method: "PUT",
          body: JSON.stringify({ maxAge: 3_600_000 }),
        }),
      );
      expect(await put.json()).toEqual({
        maxSegmentSize: 7,
        maxRecordSize: 123,
        maxAge: 3_600_000,
      });
      const read = await started.fetch(new Request(`${BASE}/logs/${name}/records/0`));
      expect(read.status).toBe(200);
    });
  });
});
