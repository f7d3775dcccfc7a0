// ProducerLru against a plain array kept in the order of use, over random operations.
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ProducerState } from "../core/producer.ts";
import { ProducerLru } from "./producer_lru.ts";

const state = (id: string, lastUsed: number): ProducerState => ({
  id,
  epoch: 0,
  seq: 0,
  offset: 0,
  count: 1,
  lastUsed,
});

/** The states from the oldest to the newest, walked as the drivers walk them. */
function walk(lru: ProducerLru): ProducerState[] {
  const states: ProducerState[] = [];
  for (let s = lru.oldest(); s !== undefined; s = lru.newerThan(s)) states.push(s);
  return states;
}

Deno.test("ProducerLru keeps states in the order of their last use, like a model list", () => {
  const ids = fc.constantFrom("a", "b", "c", "d", "e");
  const operation = fc.oneof(
    fc.record({ kind: fc.constant("store" as const), id: ids }),
    fc.record({ kind: fc.constant("delete" as const), id: ids }),
    fc.record({ kind: fc.constant("pruneOldest" as const) }),
    fc.record({ kind: fc.constant("clear" as const) }),
  );
  fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
    const lru = new ProducerLru();
    let model: ProducerState[] = [];
    operations.forEach((op, time) => {
      if (op.kind === "store") {
        const stored = state(op.id, time);
        lru.store(stored);
        model = [...model.filter((s) => s.id !== op.id), stored];
      } else if (op.kind === "delete") {
        lru.delete(op.id);
        model = model.filter((s) => s.id !== op.id);
      } else if (op.kind === "pruneOldest") {
        const oldest = lru.oldest();
        assert.equal(oldest, model[0]);
        if (oldest !== undefined) lru.delete(oldest.id);
        model = model.slice(1);
      } else {
        lru.clear();
        model = [];
      }
      assert.deepEqual(walk(lru), model);
      assert.equal(lru.size, model.length);
      for (const id of ["a", "b", "c", "d", "e"]) {
        assert.equal(lru.get(id), model.find((s) => s.id === id));
      }
    });
  }));
});

Deno.test("ProducerLru.store keeps the object given, and replaces the newest in place", () => {
  const lru = new ProducerLru();
  const first = state("a", 1);
  lru.store(first);
  lru.store(state("b", 2));
  const again = state("b", 3);
  lru.store(again);
  assert.equal(lru.get("a"), first);
  assert.equal(lru.get("b"), again);
  assert.deepEqual(walk(lru).map((s) => s.id), ["a", "b"]);
});
