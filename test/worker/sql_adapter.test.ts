import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { durableObjectSql } from "../../worker/object/sql_adapter.ts";
import { uniqueName } from "./helpers.ts";

// The Log hands SQLite the copies of a batch as views into one buffer, and the adapter binds
// them as they are: the Workers types name only ArrayBuffer, so this holds the runtime to
// binding a view's own bytes.
describe("durableObjectSql()", () => {
  it("binds a Uint8Array view as a BLOB of its own bytes, ArrayBuffers and bigints too", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("sql")));
    await runInDurableObject(stub, (_instance, state) => {
      const db = durableObjectSql(state.storage);
      const buffer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      const [row] = db.exec(
        "SELECT hex(?) AS view, hex(?) AS whole, hex(?) AS raw, typeof(?) AS type, ? + 1 AS big",
        buffer.subarray(2, 5),
        buffer,
        buffer.buffer.slice(6),
        buffer.subarray(0, 1),
        10n,
      );
      expect(row).toEqual({
        view: "030405",
        whole: "0102030405060708",
        raw: "0708",
        type: "blob",
        big: 11,
      });
    });
  });

  it("stores and reads back views at an offset through a multi-row INSERT", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("sql")));
    await runInDurableObject(stub, (_instance, state) => {
      const db = durableObjectSql(state.storage);
      db.exec("CREATE TABLE t (pos INTEGER PRIMARY KEY, data BLOB)");
      const packed = new TextEncoder().encode("abcdefghij");
      db.exec(
        "INSERT INTO t (pos, data) VALUES (?1, ?2), (?1 + 1, ?3), (?1 + 2, ?4)",
        5,
        packed.subarray(0, 3),
        packed.subarray(3, 4),
        packed.subarray(4),
      );
      const rows = db.exec("SELECT pos, data FROM t ORDER BY pos");
      expect(rows.map((r) => [r.pos, new TextDecoder().decode(r.data as ArrayBuffer)])).toEqual([
        [5, "abc"],
        [6, "d"],
        [7, "efghij"],
      ]);
    });
  });

  it("values() returns the rows as arrays in the statement's column order", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("sql")));
    await runInDurableObject(stub, (_instance, state) => {
      const db = durableObjectSql(state.storage);
      db.exec("CREATE TABLE v (pos INTEGER PRIMARY KEY, created INTEGER, data BLOB)");
      db.exec("INSERT INTO v VALUES (1, 10, x'0102'), (2, 20, NULL)");
      const rows = db.values!("SELECT data, pos, created FROM v WHERE pos >= ? ORDER BY pos", 1);
      expect(rows.map(([data, pos, created]) => [
        data instanceof ArrayBuffer ? [...new Uint8Array(data)] : data,
        pos,
        created,
      ])).toEqual([[[1, 2], 1, 10], [null, 2, 20]]);
    });
  });
});
