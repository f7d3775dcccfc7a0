// The core's Journal conformance suite against a real local server (wrangler dev, started
// once for this file), through RemoteJournal over LogClient: the cases that hold for a
// deployed log pass unchanged.
import { journalCases } from "../../src/conformance/mod.ts";
import { LogClient, RemoteJournal } from "../../src/client/mod.ts";
import { DevServer } from "./server.mjs";

const server = new DevServer();
await server.start();

// Storage persists per server directory: every journal is a log of its own name.
const run = Date.now().toString(36);
let journals = 0;
const harness = {
  create: () => new RemoteJournal(new LogClient(server.url, `conformance/${run}-${journals++}`)),
  // Every deployed log starts at offset 0; cases that need another start are left out.
  supportsStart: false,
};

const skip = {
  "`append()` stores empty records and they round-trip":
    "The deployment stores Log records, which are never empty: RemoteJournal rejects an empty record with RangeError",
};

for (const c of journalCases(harness, { skip })) {
  Deno.test(`RemoteJournal over wrangler dev: ${c.name}`, c.fn);
}

Deno.test("RemoteJournal over wrangler dev: the server stops", async () => {
  await server.dispose();
});
