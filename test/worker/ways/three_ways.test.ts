// One suite over every way into a log (ways.ts): HTTP through the Worker, the handler
// mounted in another Worker (plain fetch and Hono sub-app), and Durable Object RPC. Each
// case runs on each way, over a log of its own; the answers and the core's error classes
// must be the same.
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  FutureOffsetError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../../../mod.ts";
import { HttpError } from "../../../src/client/mod.ts";
import { MAX_BATCH_RECORDS } from "../../../src/protocol/limits.ts";
import { bytes, text, uniqueName } from "../helpers.ts";
import { type WayLog, WAYS } from "./ways.ts";

/** The rejection of `promise` (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected a rejection");
}

describe.each(WAYS)("a log through $name", (way) => {
  const open = (): WayLog => way.open(`acme/${uniqueName("ways")}`);

  it("appends get consecutive offsets and read back byte for byte, with their time", async () => {
    const log = open();
    const before = Date.now();
    expect(await log.append(bytes("a"))).toEqual({ offset: 0, count: 1, duplicate: false });
    expect(await log.appendBatch([bytes("b"), bytes("c")])).toEqual({
      offset: 1,
      count: 2,
      duplicate: false,
    });
    const record = await log.read(2);
    expect(record.offset).toBe(2);
    expect(text(record.data)).toBe("c");
    expect(record.created).toBeInstanceOf(Date);
    expect(record.created.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const batch = await log.readBatch(0, 10);
    expect(batch.map((r) => [r.offset, text(r.data)])).toEqual([[0, "a"], [1, "b"], [2, "c"]]);
    expect((await log.readBatch(1, 1)).map((r) => r.offset)).toEqual([1]);
    expect(await log.bounds()).toEqual({ begin: 0, end: 3 });
  });

  it("an expected offset already taken is a ConflictError; a later one a RangeError", async () => {
    const log = open();
    await log.append(bytes("a"), { expectedOffset: 0 });
    const conflict = await rejection(log.append(bytes("b"), { expectedOffset: 0 }));
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).position).toBe(0);
    expect(await rejection(log.appendBatch([bytes("c")], { expectedOffset: 5 })))
      .toBeInstanceOf(RangeError);
    expect(await log.appendBatch([bytes("c")], { expectedOffset: 1 })).toMatchObject({
      offset: 1,
    });
    expect(await log.bounds()).toEqual({ begin: 0, end: 2 });
  });

  it("reads past the end are FutureOffsetError, truncated ones OutOfRangeError", async () => {
    const log = open();
    await log.appendBatch([bytes("a"), bytes("b"), bytes("c")]);
    const future = await rejection(log.read(3));
    expect(future).toBeInstanceOf(FutureOffsetError);
    expect((future as FutureOffsetError).offset).toBe(3);
    expect(await rejection(log.readBatch(3, 5))).toBeInstanceOf(FutureOffsetError);
    expect(await log.truncate(2)).toEqual({ begin: 2, end: 3 });
    const gone = await rejection(log.read(1));
    expect(gone).toBeInstanceOf(OutOfRangeError);
    expect((gone as OutOfRangeError).offset).toBe(1);
    expect(text((await log.read(2)).data)).toBe("c");
  });

  it("the config changes and applies: a record over the new maximum is RecordTooLargeError", async () => {
    const log = open();
    const config = await log.config();
    expect(config.maxRecordSize).toBe(1048576);
    expect(await log.configure({ maxRecordSize: 4 })).toEqual({ ...config, maxRecordSize: 4 });
    expect(await log.config()).toEqual({ ...config, maxRecordSize: 4 });
    await log.append(bytes("1234"));
    const tooLarge = await rejection(log.append(bytes("12345")));
    expect(tooLarge).toBeInstanceOf(RecordTooLargeError);
    expect(tooLarge).toMatchObject({ size: 5, limit: 4 });
    expect(await rejection(log.appendBatch([bytes("1"), bytes("12345")])))
      .toBeInstanceOf(RecordTooLargeError);
    expect(await rejection(log.configure({ maxRecordSize: 0 }))).toBeInstanceOf(RangeError);
    expect(await log.bounds()).toEqual({ begin: 0, end: 1 });
  });

  it("bad arguments are refused and write nothing", async () => {
    const log = open();
    expect(await rejection(log.append(new Uint8Array(0)))).toBeInstanceOf(RangeError);
    expect(await rejection(log.read(1.5))).toBeInstanceOf(RangeError);
    expect(await rejection(log.read(-1))).toBeInstanceOf(OutOfRangeError);
    expect(await rejection(log.truncate(1.5))).toBeInstanceOf(RangeError);
    const tooMany = Array.from({ length: MAX_BATCH_RECORDS + 1 }, () => bytes("x"));
    // Over HTTP the body is refused (413, HttpError); over RPC the argument (RangeError).
    const refused = await rejection(log.appendBatch(tooMany));
    expect((refused as Error).message).toMatch(/^A batch holds at most "1000" records/);
    expect(refused).toBeInstanceOf(way.name === "RPC" ? RangeError : HttpError);
    expect(await log.bounds()).toEqual({ begin: 0, end: 0 });
  });

  it("a producer's retry is stored once; a gap and a stale epoch are typed errors", async () => {
    const log = open();
    const producer = { id: "writer-1", epoch: 1, seq: 0 };
    expect(await log.append(bytes("a"), { producer })).toEqual({
      offset: 0,
      count: 1,
      duplicate: false,
    });
    expect(await log.append(bytes("a"), { producer })).toEqual({
      offset: 0,
      count: 1,
      duplicate: true,
    });
    expect(await log.appendBatch([bytes("b"), bytes("c")], { producer: { ...producer, seq: 1 } }))
      .toEqual({ offset: 1, count: 2, duplicate: false });
    const gap = await rejection(log.append(bytes("d"), { producer: { ...producer, seq: 5 } }));
    expect(gap).toBeInstanceOf(ProducerSeqGapError);
    expect(gap).toMatchObject({ expectedSeq: 2, receivedSeq: 5 });
    const stale = await rejection(
      log.append(bytes("d"), { producer: { ...producer, epoch: 0, seq: 2 } }),
    );
    expect(stale).toBeInstanceOf(StaleEpochError);
    expect(stale).toMatchObject({ currentEpoch: 1, epoch: 0 });
    expect(await log.bounds()).toEqual({ begin: 0, end: 3 });
  });

  it("what one way writes, the others read", async () => {
    const name = `acme/${uniqueName("shared")}`;
    let expected = 0;
    for (const other of WAYS) {
      expect((await other.open(name).append(bytes(other.name))).offset).toBe(expected++);
    }
    const all = await way.open(name).readBatch(0, 10);
    expect(all.map((r) => text(r.data))).toEqual(WAYS.map((w) => w.name));
  });
});
