// The configuration table's versioned layout: a table as release 6c31caf wrote it is brought
// to this release's layout, and keeps its config.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { nodeSqlite, type SqlDatabase } from "../../src/drivers/sql.ts";
import { CONFIG_LAYOUT, CONFIG_PART, ConfigStore } from "./config_store.ts";

/** The table and row exactly as release 6c31caf (worker/log_object.ts) created and wrote them. */
function releaseOf6c31caf(db: SqlDatabase, segment: number | null, record: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS edgelog_config (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_segment_size INTEGER,
  max_record_size INTEGER NOT NULL
)`);
  db.exec(
    "INSERT OR REPLACE INTO edgelog_config (id, max_segment_size, max_record_size) VALUES (1, ?, ?)",
    segment,
    record,
  );
}

function versionOf(db: SqlDatabase): number | undefined {
  const [row] = db.exec("SELECT version FROM edgelog_schema WHERE part = ?", CONFIG_PART);
  return row === undefined ? undefined : Number(row.version);
}

Deno.test("`ConfigStore` finds the config of a table as release 6c31caf wrote it", () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  releaseOf6c31caf(db, 7, 123);
  const store = new ConfigStore(db);
  assert.deepEqual(store.read(), { maxSegmentSize: 7, maxRecordSize: 123, maxAge: null });
  assert.equal(versionOf(db), CONFIG_LAYOUT.length);
  store.write({ maxSegmentSize: null, maxRecordSize: 123, maxAge: 60_000 });
  // Opened again (the object's next start): no step runs twice, the config stays.
  assert.deepEqual(new ConfigStore(db).read(), {
    maxSegmentSize: null,
    maxRecordSize: 123,
    maxAge: 60_000,
  });
  db.close?.();
});

Deno.test("`ConfigStore` over a 6c31caf table without a row reads no config", () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  releaseOf6c31caf(db, null, 1);
  db.exec("DELETE FROM edgelog_config");
  assert.equal(new ConfigStore(db).read(), undefined);
  db.close?.();
});

Deno.test("`ConfigStore` over fresh storage creates the table at the current layout", () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  const store = new ConfigStore(db);
  assert.equal(store.read(), undefined);
  assert.equal(versionOf(db), CONFIG_LAYOUT.length);
  store.write({ maxSegmentSize: 10, maxRecordSize: 64, maxAge: null });
  assert.deepEqual(store.read(), { maxSegmentSize: 10, maxRecordSize: 64, maxAge: null });
  db.close?.();
});

Deno.test("`ConfigStore` refuses a table written by a newer release", () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  new ConfigStore(db);
  db.exec("UPDATE edgelog_schema SET version = ? WHERE part = ?", 99, CONFIG_PART);
  assert.throws(() => new ConfigStore(db), RangeError);
  db.close?.();
});
