import assert from "node:assert/strict";
import { Log, type LogRecord, MemoryJournal } from "../../mod.ts";

function bytes(seed: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (seed * 7 + i) & 0xff);
}

Deno.test("`Log.write()` keeps exact copies of records of every size across storage chunks", async () => {
  const log = new Log({ maxSegmentSize: Infinity });
  const sizes = [1, 32, 1023, 1024, 1025, 4096, 31, 600, 600, 600];
  const written: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) {
    const data = bytes(i, sizes[i % sizes.length]!);
    written.push(data.slice());
    await log.write(data);
    data.fill(0xee); // mutating the input after write changes nothing stored
  }
  const batch = new Array<LogRecord>(100);
  for (let offset = 0; offset < written.length; offset += 100) {
    assert.equal(await log.readBatch(offset, batch), 100);
    for (let i = 0; i < 100; i++) assert.deepEqual(batch[i]!.data, written[offset + i]);
  }
  assert.deepEqual(await log.journal.get(4321), written[4321]);
});

Deno.test("`Log.read()` hands out copies whose buffers never reach stored records", async () => {
  const journal = new MemoryJournal();
  const log = new Log({ journal });
  await log.write(bytes(1, 32));
  await log.write(bytes(2, 32));
  const first = await log.read(0);
  const second = await log.read(1);
  // Even zeroing the whole ArrayBuffer behind returned records leaves the log intact.
  new Uint8Array(first.data.buffer).fill(0);
  new Uint8Array(second.data.buffer).fill(0);
  assert.deepEqual((await log.read(0)).data, bytes(1, 32));
  assert.deepEqual((await log.read(1)).data, bytes(2, 32));
  const got = await journal.get(1);
  assert.equal(got.buffer.byteLength, 32);
});

Deno.test("`Log.writeBatch()` keeps exact copies when the batch is mutated afterwards", async () => {
  const log = new Log();
  const records = Array.from({ length: 100 }, (_, i) => bytes(i, 32 + i));
  const expected = records.map((r) => r.slice());
  await log.writeBatch(records);
  for (const r of records) r.fill(0);
  const batch = new Array<LogRecord>(100);
  assert.equal(await log.readBatch(0, batch), 100);
  assert.deepEqual(batch.map((r) => r.data), expected);
});
