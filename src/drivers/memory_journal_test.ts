// Runs the conformance suite over MemoryJournal. EDGELOG_MODEL_RUNS sets the number of
// random sequences per model case (default 1000).
import assert from "node:assert/strict";
import { emptyLocation, MemoryJournal } from "../../mod.ts";
import { journalCases, logCases, modelCases } from "../conformance/mod.ts";

const runs = Number(Deno.env.get("EDGELOG_MODEL_RUNS") ?? 1000);
const harness = { create: (opts = {}) => new MemoryJournal(opts), supportsStart: true };

const cases = [...journalCases(harness), ...logCases(harness), ...modelCases(harness, { runs })];
for (const c of cases) Deno.test(c.name, c.fn);

Deno.test("`new MemoryJournal()` throws synchronously for an invalid start or clock", () => {
  for (const start of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => new MemoryJournal({ start }), RangeError);
  }
  assert.throws(() => new MemoryJournal({ start: "1" as unknown as number }), TypeError);
  assert.throws(() => new MemoryJournal({ clock: "now" as unknown as () => Date }), TypeError);
});

Deno.test("`MemoryJournal` keeps records across chunks of 4096, large and empty ones included, and drops whole chunks on truncate", () => {
  const journal = new MemoryJournal({ start: 3 });
  const model: Uint8Array[] = [];
  const sizeOf = (i: number) => i % 997 === 0 ? 5000 + (i % 7) : i % 13 === 0 ? 0 : 1 + (i % 70);
  const dataOf = (i: number) => new Uint8Array(sizeOf(i)).map((_, k) => (i * 7 + k) & 0xff);
  let end = 3;
  const check = (begin: number) => {
    const at = emptyLocation();
    for (const pos of [begin, begin + 1, 4098, 4099, 8195, end - 1]) {
      if (pos < begin || pos >= end) continue;
      assert.equal(journal.readRecordAt(pos, at), true, `readRecordAt(${pos})`);
      assert.deepEqual(at.bytes.slice(at.start, at.end), model[pos - 3], `bytes of ${pos}`);
      assert.equal(at.created, 1000 + pos, `created of ${pos}`);
    }
    assert.equal(journal.readRecordAt(begin - 1, at), false, "below begin");
    assert.equal(journal.readRecordAt(end, at), false, "at end");
    let next = begin;
    const count = journal.readRecordsAt(begin, end - begin + 5, at, () => {
      assert.equal(at.position, next, "visited position");
      assert.deepEqual(at.bytes.slice(at.start, at.end), model[next - 3], `visited ${next}`);
      next++;
    });
    assert.equal(count, end - begin, "records visited");
    const page = journal.readRecords(Math.max(begin, 4090), 20);
    page.forEach((r, k) => assert.deepEqual(r.data, model[Math.max(begin, 4090) + k - 3]));
    assert.deepEqual(journal.findCreated(1000 + 8200), {
      position: Math.max(8200, begin),
      created: 1000 + Math.max(8200, begin),
    });
  };
  for (let round = 0; round < 3; round++) {
    const records = Array.from({ length: 4000 }, (_, k) => dataOf(end - 3 + k));
    journal.appendRecords(
      end,
      records.map((data, k) => ({ created: 1000 + end + k, data: data.slice() })),
    );
    model.push(...records);
    end += records.length;
  }
  assert.deepEqual(journal.readBounds(), { begin: 3, end });
  check(3);
  for (const begin of [4000, 4099, 4100, 8198, 8199, end - 1]) {
    journal.truncateRecords(begin);
    assert.deepEqual(journal.readBounds(), { begin, end });
    check(begin);
  }
  journal.truncateRecords(end);
  assert.deepEqual(journal.readBounds(), { begin: end, end });
  journal.appendRecords(end, [{ created: 1, data: new Uint8Array([9]) }]);
  assert.deepEqual(journal.readRecords(end, 2).map((r) => [r.position, [...r.data]]), [[end, [9]]]);
});
