// The client inside workerd: a Worker that talks to edgelog through a service binding passes
// the binding's fetch as the client's `fetch` (here SELF, the deployment itself).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConflictError, FutureOffsetError, type LogRecord } from "../../mod.ts";
import { LogClient, RemoteJournal } from "../../src/client/mod.ts";
import { BASE, bytes, text, uniqueName } from "./helpers.ts";

const client = (name: string) =>
  new LogClient(BASE, name, { fetch: (request) => SELF.fetch(request) });

describe("LogClient in a Worker, over a service binding's fetch", () => {
  it("appends, reads and reads a batch", async () => {
    const log = client(uniqueName("client"));
    expect(await log.append(bytes("a"))).toBe(0);
    expect(await log.appendBatch([bytes("b"), bytes("c")])).toBe(1);
    expect(text((await log.read(2)).data)).toBe("c");
    const batch = new Array<LogRecord>(5);
    expect(await log.readBatch(0, batch)).toBe(3);
    expect(batch.slice(0, 3).map((r) => text(r.data))).toEqual(["a", "b", "c"]);
    expect(await log.bounds()).toEqual({ begin: 0, end: 3 });
  });

  it("rebuilds the core's errors from the Worker's answers", async () => {
    const log = client(uniqueName("client"));
    await log.append(bytes("a"));
    const conflict = await log.append(bytes("b"), { expectedOffset: 0 }).catch((e) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict.position).toBe(0);
    const future = await log.read(5).catch((e) => e);
    expect(future).toBeInstanceOf(FutureOffsetError);
    expect(future.offset).toBe(5);
    const journal = new RemoteJournal(log);
    await expect(journal.append(3, bytes("x"))).rejects.toBeInstanceOf(RangeError);
  });
});
