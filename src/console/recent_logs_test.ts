// Recently opened logs: newest first, each once, bounded, robust to what the storage holds.
import assert from "node:assert/strict";
import { RECENT_KEY, RecentLogs } from "./recent_logs.ts";

function storage(initial?: string) {
  const items = new Map<string, string>(initial === undefined ? [] : [[RECENT_KEY, initial]]);
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

Deno.test("`RecentLogs` lists names newest first, once each, at most `max`", () => {
  const store = storage();
  const recent = new RecentLogs(store, 3);
  assert.deepEqual(recent.list(), []);
  for (const name of ["acme/a", "acme/b", "acme/a", "acme/c", "acme/d"]) recent.add(name);
  assert.deepEqual(recent.list(), ["acme/d", "acme/c", "acme/a"]);
  assert.equal(store.items.get(RECENT_KEY), '["acme/d","acme/c","acme/a"]');
});

Deno.test("`RecentLogs` takes a list of another shape for an empty one", () => {
  for (const held of ["{", '{"a":1}', '"acme/a"', "null"]) {
    assert.deepEqual(new RecentLogs(storage(held)).list(), [], held);
  }
  assert.deepEqual(new RecentLogs(storage('["acme/a", 7, null]')).list(), ["acme/a"]);
});
