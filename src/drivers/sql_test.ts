// nodeSqlite(): rows as arrays (values) beside rows as objects (exec) for the same statement,
// and the incremental vacuum of a new database file.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { nodeSqlite } from "./sql.ts";

Deno.test("nodeSqlite() values() returns arrays in column order; exec() still objects", () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  db.exec("CREATE TABLE t (pos INTEGER PRIMARY KEY, data BLOB)");
  db.exec("INSERT INTO t VALUES (?, ?), (?, ?)", 1, new Uint8Array([7]), 2, null);
  const sql = "SELECT data, pos FROM t WHERE pos >= ? ORDER BY pos";
  assert.deepEqual(db.values!(sql, 1), [[new Uint8Array([7]), 1], [null, 2]]);
  assert.deepEqual(db.exec(sql, 1).map((row) => ({ ...row })), [
    { data: new Uint8Array([7]), pos: 1 },
    { data: null, pos: 2 },
  ]);
  db.close?.();
});

Deno.test("nodeSqlite() makes a new file incremental and vacuums the pages asked for", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_sql_" });
  const path = `${dir}/v.db`;
  const db = nodeSqlite(new DatabaseSync(path));
  const pragma = (name: string) => Number(Object.values(db.exec(`PRAGMA ${name}`)[0]!)[0]);
  assert.equal(pragma("auto_vacuum"), 2);
  db.exec("CREATE TABLE t (pos INTEGER PRIMARY KEY, data BLOB)");
  db.exec(
    "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 9999) " +
      "INSERT INTO t SELECT x, zeroblob(100) FROM c",
  );
  db.exec("DELETE FROM t");
  const free = pragma("freelist_count");
  assert.ok(free > 100, `${free} free pages`);
  db.incrementalVacuum!(100);
  assert.equal(pragma("freelist_count"), free - 100);
  assert.throws(() => db.incrementalVacuum!(0), RangeError);
  db.close?.();
  await Deno.remove(dir, { recursive: true });
});
