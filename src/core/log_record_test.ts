import assert from "node:assert/strict";
import { Log } from "../../mod.ts";

Deno.test("A record read from a Log shows offset, created and data to for...in, JSON and setters", () => {
  const log = new Log({ clock: () => new Date(1000) });
  log.writeSync(new Uint8Array([1, 2]));
  const record = log.readSync(0);
  const keys: string[] = [];
  for (const key in record) keys.push(key);
  assert.deepEqual(keys.sort(), ["created", "data", "offset"]);
  assert.equal(record.created, record.created, "one Date, built once");
  assert.equal(record.data, record.data, "one copy, made once");
  assert.equal(
    JSON.stringify(record),
    JSON.stringify({ offset: 0, created: new Date(1000), data: { 0: 1, 1: 2 } }),
  );
  record.created = new Date(5);
  record.data = new Uint8Array([9]);
  assert.equal(record.created.getTime(), 5);
  assert.deepEqual([...record.data], [9]);
  assert.deepEqual([...log.readSync(0).data], [1, 2], "the stored record is unchanged");
  assert.equal(log.readSync(0).created.getTime(), 1000);
});
