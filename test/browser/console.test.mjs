/**
 * The web console (`/console/`) in headless Chromium against the real local server (`npm
 * start`: `wrangler dev`, open development mode, no token), one server and one browser for the
 * file: the page and its security headers, its first load, opening a log, appends through the
 * page and through the API in the live view in order, paging back to offset 0, JSON and binary
 * records, the protocol's errors as messages, pause and resume, truncate and config behind a
 * confirmation, every control labelled and reached by Tab, and the idle console: one
 * hibernating tail, no request, no timer and no alarm in the object, which the runtime evicts,
 * and the page still shows the next append.
 *
 * The run leaves a screenshot of the console in `.reports/console.png`; with
 * `EDGELOG_SCREENSHOT=docs/console.png` it writes the README's there as well.
 *
 * @module
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { append, appendBatch, appendWithInstance, bounds, metrics } from "../e2e/client.mjs";
import { DevServer, ROOT, sleep } from "../e2e/server.mjs";
import {
  launchBrowser,
  openLog,
  REPORTS,
  shown,
  waitForRecords,
  waitForText,
  withPage,
} from "./browser.mjs";

/** The first load's limit, compressed (issue 14). */
const FIRST_LOAD_LIMIT = 100 * 1000;
/** Idle periods tried in turn until the object is seen evicted (as test/e2e/hibernation). */
const IDLE_SECONDS = [11, 13, 16, 20, 25];

const enc = new TextEncoder();
/** @type {DevServer} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;
let counter = 0;
/** A log name no other test uses. */
const unique = (/** @type {string} */ what) =>
  `acme/console-${what}-${Date.now().toString(36)}-${counter++}`;

before(async () => {
  server = new DevServer();
  [, browser] = await Promise.all([server.start(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

/**
 * The text of a JSON record as the console pretty-prints it.
 * @param {unknown} value
 */
const pretty = (value) => JSON.stringify(value, null, 2);

test(
  "GET /console is the page npm start names: its own scripts only (CSP), nosniff, under 100 KB compressed",
  {
    timeout: 60_000,
  },
  async () => {
    await withPage(browser, "page and first load", async (page) => {
      const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.get("location"), "/console/");
      /** @type {Map<string, Buffer>} */
      const loaded = new Map();
      page.on("response", async (response) => {
        // The redirect from /console carries no body.
        if (response.status() === 200) loaded.set(response.url(), await response.body());
      });
      // npm start's banner names the page.
      const banner = server.output.find((line) => line.startsWith("edgelog: web console on "));
      assert.equal(banner, `edgelog: web console on ${server.url}/console/`);
      const response = await page.goto(banner.slice("edgelog: web console on ".length), {
        waitUntil: "networkidle",
      });
      assert(response !== null);
      assert.equal(response.url(), `${server.url}/console/`);
      const headers = await response.allHeaders();
      assert.equal(
        headers["content-security-policy"],
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
          `connect-src 'self' ws://127.0.0.1:${server.port}; object-src 'none'; base-uri 'none'; ` +
          "form-action 'none'; frame-ancestors 'none'",
      );
      assert.equal(headers["x-content-type-options"], "nosniff");

      // Everything the page loads, compressed as a server would send it.
      const files = [...loaded].map(([url, body]) => ({
        path: new URL(url).pathname,
        bytes: body.byteLength,
        gzip: gzipSync(body, { level: 9 }).byteLength,
      }));
      assert.deepEqual(files.map((f) => f.path).sort(), [
        "/console/",
        "/console/console.css",
        "/console/console.js",
      ]);
      const gzip = files.reduce((sum, f) => sum + f.gzip, 0);
      console.log(
        `console first load: ${
          files.map((f) => `${f.path} ${f.bytes} B (${f.gzip} B gzip)`).join(", ")
        }; total ${(gzip / 1000).toFixed(1)} KB gzip`,
      );
      assert(gzip < FIRST_LOAD_LIMIT, `first load ${gzip} bytes compressed`);

      // The policy holds in the browser: no inline script runs, no other origin is reached.
      const violations = await page.evaluate(async (other) => {
        /** @type {string[]} */
        const seen = [];
        document.addEventListener("securitypolicyviolation", (e) => seen.push(e.violatedDirective));
        const inline = document.createElement("script");
        inline.textContent = "globalThis.inlineRan = true";
        document.body.append(inline);
        const fetched = await fetch(other).then(() => "fetched", () => "blocked");
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { inlineRan: "inlineRan" in globalThis, fetched, seen };
      }, `http://localhost:${server.port}/healthz`);
      assert.deepEqual(violations, {
        inlineRan: false,
        fetched: "blocked",
        seen: ["script-src-elem", "connect-src"],
      });
    });
  },
);

test("opening a log shows it; appends through the page and through the API appear live, in order", {
  timeout: 60_000,
}, async () => {
  const name = unique("live");
  await append(server.url, name, enc.encode('{"order":17,"items":["tea","cake"]}'));
  await append(server.url, name, new Uint8Array([0, 1, 2, 255]));
  await withPage(browser, "live order", async (page) => {
    await page.goto(`${server.url}/console/`);
    await openLog(page, name);
    await waitForRecords(page, "live", 2);
    await waitForText(page, "#live-status", /^Live: following from offset 0$/);
    assert.equal(await page.textContent("#log-title"), name);
    assert.equal(await page.textContent("#bounds"), "0 to 1 (the next is 2)");
    assert.equal(await page.textContent("#count"), "2");
    assert.equal(await page.textContent("#cfg-record"), "1048576 bytes");

    await page.fill("#append-text", "from the page");
    await page.click("#append-form button[type=submit]");
    await waitForText(page, "#append-result", /^Appended 1 record at offset 2$/);
    assert.equal(await append(server.url, name, enc.encode("from the API")), 3);
    await page.check("input[name=append-mode][value=lines]");
    await page.fill("#append-text", "line a\nline b\n");
    await page.click("#append-form button[type=submit]");
    await waitForText(page, "#append-result", /^Appended 2 records at offsets 4 to 5$/);
    assert.equal(await append(server.url, name, enc.encode("from the API again")), 6);

    await waitForRecords(page, "live", 7);
    assert.deepEqual(await shown(page, "live"), [
      { offset: 0, format: "json", text: pretty({ order: 17, items: ["tea", "cake"] }) },
      { offset: 1, format: "hex", text: "00000000  00 01 02 ff  |....|" },
      { offset: 2, format: "text", text: "from the page" },
      { offset: 3, format: "text", text: "from the API" },
      { offset: 4, format: "text", text: "line a" },
      { offset: 5, format: "text", text: "line b" },
      { offset: 6, format: "text", text: "from the API again" },
    ]);
    // For screen readers: the last records announced, the chart's text equivalent.
    assert.match((await page.textContent("#announce")) ?? "", /offset 6$/);
    assert.match(
      (await page.textContent("#rate-caption")) ?? "",
      /^Appends seen live in the last 5 minutes: 7; at most/,
    );
    assert.equal(await page.locator("#rate-chart rect").count(), 30);
    // Remembered for the next visit (names only), and in the address for a link.
    assert.deepEqual(
      await page.evaluate(() => JSON.parse(localStorage.getItem("edgelog.console.recent") ?? "")),
      [name],
    );
    assert.equal(new URL(page.url()).searchParams.get("log"), name);
    assert.equal(await page.textContent("#recent button"), name);
  });
});

test("the record browser pages back to offset 0, jumps to offsets and times, shows JSON and hex", {
  timeout: 60_000,
}, async () => {
  const name = unique("pages");
  const records = Array.from(
    { length: 45 },
    (_, i) =>
      i === 0
        ? enc.encode('{"first":true,"n":[1,2]}')
        : i === 1
        ? new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0])
        : enc.encode(`record ${i}`),
  );
  await appendBatch(server.url, name, records);
  await withPage(browser, "paging", async (page) => {
    await page.goto(`${server.url}/console/?log=${name}`);
    const status = "#page-status";
    await waitForText(page, status, /^Offsets 25 to 44 of 0 to 44$/);
    await page.click("#page-older");
    await waitForText(page, status, /^Offsets 5 to 24 of 0 to 44$/);
    await page.click("#page-older");
    await waitForText(page, status, /^Offsets 0 to 19 of 0 to 44$/);
    const first = await shown(page, "page");
    assert.equal(first.length, 20);
    assert.deepEqual(first.slice(0, 3), [
      { offset: 0, format: "json", text: pretty({ first: true, n: [1, 2] }) },
      { offset: 1, format: "hex", text: "00000000  7f 45 4c 46 00  |.ELF.|" },
      { offset: 2, format: "text", text: "record 2" },
    ]);
    // Switchable: the JSON record as hex and as text, by its labelled control.
    await page.getByLabel("Show record 0 as").selectOption("hex");
    assert.match((await shown(page, "page"))[0]?.text ?? "", /^00000000 {2}7b 22 66 69/);
    await page.getByLabel("Show record 0 as").selectOption("text");
    assert.equal((await shown(page, "page"))[0]?.text, '{"first":true,"n":[1,2]}');

    await page.click("#page-newer");
    await waitForText(page, status, /^Offsets 20 to 39 of 0 to 44$/);
    await page.click("#page-newest");
    await waitForText(page, status, /^Offsets 25 to 44 of 0 to 44$/);
    await page.click("#page-oldest");
    await waitForText(page, status, /^Offsets 0 to 19 of 0 to 44$/);
    await page.fill("#jump-offset", "30");
    await page.press("#jump-offset", "Enter");
    await waitForText(page, status, /^Offsets 30 to 44 of 0 to 44$/);
    await page.selectOption("#page-size", "50");
    await waitForText(page, status, /^Offsets 30 to 44 of 0 to 44$/);

    // By time: a minute before the first record reads from it; after the last, nothing.
    const local = (/** @type {Date} */ d) => {
      const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:` +
        `${p(d.getMinutes())}:${p(d.getSeconds())}`;
    };
    await page.fill("#jump-time", local(new Date(Date.now() - 10 * 60_000)));
    await page.press("#jump-time", "Enter");
    await waitForText(page, status, /^Offsets 0 to 44 of 0 to 44$/);
    await page.fill("#jump-time", local(new Date(Date.now() + 60 * 60_000)));
    await page.press("#jump-time", "Enter");
    await waitForText(page, status, /^No record was created at or after /);
    assert.equal(await page.isHidden("#error"), true, "no error along the way");
  });
});

test("errors show as the protocol's messages: 410 for a purged offset, 404 past the end", {
  timeout: 60_000,
}, async () => {
  const name = unique("errors");
  await appendBatch(server.url, name, Array.from({ length: 5 }, (_, i) => enc.encode(`r${i}`)));
  const truncated = await fetch(`${server.url}/logs/${name}/truncate?before=3`, { method: "POST" });
  assert.deepEqual(await truncated.json(), { begin: 3, end: 5 });
  await withPage(browser, "errors", async (page) => {
    await page.goto(`${server.url}/console/?log=${name}`);
    await waitForText(page, "#page-status", /^Offsets 3 to 4 of 3 to 4$/);
    await page.fill("#jump-offset", "0");
    await page.press("#jump-offset", "Enter");
    await waitForText(page, "#error", /^OUT_OF_RANGE \(410\): .*"0"/);
    assert.equal(await page.getAttribute("#error", "role"), "alert");
    await page.fill("#jump-offset", "99");
    await page.press("#jump-offset", "Enter");
    await waitForText(page, "#error", /^FUTURE_OFFSET \(404\): .*"99"/);
    // The page shown stays: an error never blanks the console.
    assert.deepEqual((await shown(page, "page")).map((r) => r.offset), [3, 4]);
    await openLog(page, "acme//nope");
    await waitForText(page, "#error", /^Log name "acme\/\/nope" has an empty segment$/);
    assert.equal(await page.isVisible("#log-view"), true);
  });
});

test(
  "pause closes the tail and resume picks up after the last record: nothing lost, nothing twice",
  {
    timeout: 60_000,
  },
  async () => {
    const name = unique("pause");
    await append(server.url, name, enc.encode("before"));
    await withPage(browser, "pause resume", async (page) => {
      /** @type {import("playwright-core").WebSocket[]} */
      const sockets = [];
      page.on("websocket", (ws) => sockets.push(ws));
      await page.goto(`${server.url}/console/?log=${name}`);
      await waitForRecords(page, "live", 1);
      await waitForText(page, "#live-status", /^Live/);
      const socket = sockets[0];
      assert(socket !== undefined);
      assert.match(socket.url(), new RegExp(`/logs/${name}/tail\\?from=0$`));
      const closed = socket.waitForEvent("close");
      await page.click("#live-toggle");
      await waitForText(page, "#live-status", /^Paused after offset 0/);
      assert.equal(await page.textContent("#live-toggle"), "Resume");
      await closed;
      for (const text of ["while paused 1", "while paused 2", "while paused 3"]) {
        await append(server.url, name, enc.encode(text));
      }
      // The tail is closed: nothing can have arrived.
      assert.equal((await shown(page, "live")).length, 1);
      await page.click("#live-toggle");
      await waitForRecords(page, "live", 4);
      await waitForText(page, "#live-status", /^Live: following from offset 1$/);
      assert.match(sockets[1]?.url() ?? "", /\/tail\?from=1$/);
      await append(server.url, name, enc.encode("after"));
      await waitForRecords(page, "live", 5);
      assert.deepEqual((await shown(page, "live")).map((r) => [r.offset, r.text]), [
        [0, "before"],
        [1, "while paused 1"],
        [2, "while paused 2"],
        [3, "while paused 3"],
        [4, "after"],
      ]);
    });
  },
);

test("truncate and config wait for a confirmation; a record over the new limit is refused (413)", {
  timeout: 60_000,
}, async () => {
  const name = unique("admin");
  await appendBatch(server.url, name, Array.from({ length: 5 }, (_, i) => enc.encode(`r${i}`)));
  await withPage(browser, "admin", async (page) => {
    await page.goto(`${server.url}/console/?log=${name}`);
    await waitForText(page, "#page-status", /^Offsets 0 to 4/);
    await page.fill("#truncate-before", "2");
    await page.click("#truncate-form button[type=submit]");
    await page.waitForSelector("#confirm[open]");
    assert.match((await page.textContent("#confirm-text")) ?? "", /below offset 2\?/);
    // Escape cancels, as Cancel does: nothing changes.
    await page.keyboard.press("Escape");
    await page.waitForSelector("#confirm:not([open])", { state: "attached" });
    await page.click("#truncate-form button[type=submit]");
    await page.click("#confirm-cancel");
    await page.waitForSelector("#confirm:not([open])", { state: "attached" });
    assert.deepEqual(await bounds(server.url, name), { begin: 0, end: 5 });
    await page.click("#truncate-form button[type=submit]");
    await page.click("#confirm-ok");
    await waitForText(page, "#admin-result", /^Truncated: the log holds offsets 2 to 5/);
    await waitForText(page, "#bounds", /^2 to 4 /);
    assert.deepEqual(await bounds(server.url, name), { begin: 2, end: 5 });

    await page.fill("#cfg-record-input", "10");
    await page.click("#config-form button[type=submit]");
    await waitForText(page, "#confirm-text", /^Set maxRecordSize 10 for /);
    await page.click("#confirm-ok");
    await waitForText(page, "#admin-result", /^Saved the config$/);
    await waitForText(page, "#cfg-record", /^10 bytes$/);
    await page.fill("#append-text", "eleven byte");
    await page.click("#append-form button[type=submit]");
    await waitForText(page, "#error", /^RECORD_TOO_LARGE \(413\): /);
    assert.deepEqual(await bounds(server.url, name), { begin: 2, end: 5 });
  });
});

test("every control has a label and Tab reaches each one", { timeout: 60_000 }, async () => {
  const name = unique("keys");
  await append(server.url, name, enc.encode("x"));
  await withPage(browser, "keyboard", async (page) => {
    await page.goto(`${server.url}/console/?log=${name}`);
    await waitForRecords(page, "page", 1);
    const unlabelled = await page.$$eval(
      "input, select, textarea, button",
      (controls) =>
        controls.filter((c) => {
          const named = c.getAttribute("aria-label") ?? "";
          const labels = /** @type {HTMLInputElement} */ (c).labels;
          const label = [...(labels ?? [])].map((l) => l.textContent ?? "").join("");
          const text = c instanceof HTMLButtonElement ? c.textContent ?? "" : "";
          return (named + label + text).trim() === "";
        }).map((c) => c.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    /** Ids of the visible controls, in document order. */
    const controls = await page.$$eval(
      "input:not([type=radio]), select, textarea, button",
      (all) =>
        all.filter((c) => /** @type {HTMLElement} */ (c).offsetParent !== null).map((c) =>
          c.id || c.textContent
        ),
    );
    /** @type {Set<string>} */
    const reached = new Set();
    for (let i = 0; i < controls.length * 2 + 10; i++) {
      await page.keyboard.press("Tab");
      reached.add(
        await page.evaluate(() =>
          document.activeElement?.id || document.activeElement?.textContent || ""
        ),
      );
    }
    assert.deepEqual(controls.filter((c) => !reached.has(c ?? "")), []);
    assert.equal(await page.locator("input[name=append-mode]:focus, #append-text").count(), 1);
  });
});

test("the console's screenshot", { timeout: 60_000 }, async () => {
  // A fresh server per run: no other test uses this name.
  const name = "acme/orders";
  const orders = Array.from(
    { length: 6 },
    (_, i) => enc.encode(JSON.stringify({ order: 1000 + i, total: 12.5 * (i + 1) })),
  );
  await appendBatch(server.url, name, orders);
  await withPage(browser, "screenshot", async (page) => {
    await page.goto(`${server.url}/console/?log=${name}`);
    await waitForRecords(page, "live", 6);
    await page.fill("#append-text", "order 1003 shipped");
    await page.click("#append-form button[type=submit]");
    await waitForRecords(page, "live", 7);
    await append(server.url, name, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]));
    await append(server.url, name, enc.encode('{"order":1006,"total":87.5,"items":["tea"]}'));
    await waitForRecords(page, "live", 9);
    await page.fill("#jump-offset", "4");
    await page.press("#jump-offset", "Enter");
    await waitForText(page, "#page-status", /^Offsets 4 to 8/);
    await page.evaluate(() => {
      /** @type {HTMLElement | null} */ (document.activeElement)?.blur();
      globalThis.scrollTo(0, 0);
    });
    mkdirSync(REPORTS, { recursive: true });
    const file = join(REPORTS, "console.png");
    await page.screenshot({ path: file });
    const target = process.env.EDGELOG_SCREENSHOT;
    if (target !== undefined && target !== "") copyFileSync(file, resolve(ROOT, target));
  });
});

test(
  "an idle console is one hibernating tail: no request, no timer, no alarm; evicted, it still shows the next append",
  {
    timeout: 180_000,
  },
  async () => {
    const name = unique("idle");
    await append(server.url, name, enc.encode("before"));
    await withPage(browser, "idle", async (page) => {
      /** @type {string[]} */
      const requests = [];
      /** @type {string[]} */
      const sent = [];
      page.on("request", (request) => requests.push(`${request.method()} ${request.url()}`));
      page.on("websocket", (ws) => ws.on("framesent", (frame) => sent.push(String(frame.payload))));
      await page.goto(`${server.url}/console/?log=${name}`);
      await waitForRecords(page, "live", 1);
      await waitForText(page, "#live-status", /^Live/);
      await waitForRecords(page, "page", 1);

      // Idle now. The object runs nothing of its own, and the console's tail is its one socket.
      const idle = await metrics(server.url, name);
      assert.equal(idle.pendingTimers, 0, "no timer pending while idle");
      assert.equal(idle.alarm, null, "no alarm while idle");
      assert.equal(idle.webSockets, 1, "the console's tail, and nothing else");
      requests.length = 0;
      sent.length = 0;
      let instance = idle.instance;
      let evicted = false;
      let idled = 0;
      for (const seconds of IDLE_SECONDS) {
        await sleep(seconds * 1000);
        idled += seconds;
        const probe = await metrics(server.url, name);
        evicted = probe.instance !== instance;
        console.log(
          `console idle ${seconds} s -> instance ${evicted ? "changed (evicted)" : "unchanged"}; ` +
            `pending timers ${probe.pendingTimers}, alarm ${probe.alarm}, sockets ${probe.webSockets}; ` +
            `page requests ${requests.length}, frames sent ${sent.length}`,
        );
        assert.equal(probe.webSockets, 1, "the console stays connected");
        if (evicted) break;
        assert.equal(probe.pendingTimers, 0, "still no timer pending");
        assert.equal(probe.alarm, null, "still no alarm");
        instance = probe.instance;
      }
      assert.ok(evicted, `the object was never evicted in ${idled} s of idleness`);
      assert.deepEqual(requests, [], "the idle page sent no request: nothing polls");
      // The tail's heartbeat (a ping every 30 s) is answered by the runtime, not the object.
      assert.deepEqual(
        sent.filter((frame) => frame !== "ping"),
        [],
        "only heartbeats on the socket",
      );

      const next = await appendWithInstance(server.url, name, enc.encode(`after ${idled} s idle`));
      await waitForRecords(page, "live", 2);
      assert.deepEqual((await shown(page, "live")).map((r) => [r.offset, r.text]), [
        [0, "before"],
        [next.offset, `after ${idled} s idle`],
      ]);
      assert.notEqual(next.instance, idle.instance, "a new instance served the append");
    });
  },
);
