/**
 * The web console in headless Chromium against the real local server with a secret
 * (`AUTH_SECRET`: every request needs a token): the public page asks for a token, keeps it for
 * the tab only (sessionStorage, never localStorage or the address), sends it as a bearer token
 * and, for the tail, in the WebSocket subprotocol; what a token does not allow shows as the
 * protocol's 403. One server and one browser for the file; tokens minted by `mintToken`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DevServer } from "../e2e/server.mjs";
import {
  launchBrowser,
  mintTokens,
  openLog,
  shown,
  waitForRecords,
  waitForText,
  withPage,
} from "./browser.mjs";

const SECRET = "a browser-test secret, long enough!!";
const enc = new TextEncoder();
/** @type {DevServer} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;
/** Tokens: every right on acme; read only on acme; every right on globex. */
let all = "";
let readOnly = "";
let globex = "";

before(async () => {
  server = new DevServer({ secret: SECRET });
  [, browser] = await Promise.all([server.start(), launchBrowser()]);
  [all, readOnly, globex] = mintTokens(SECRET, [
    { tenant: "acme", rights: ["read", "append", "admin"] },
    { tenant: "acme", rights: ["read"] },
    { tenant: "globex", rights: ["read", "append", "admin"] },
  ]);
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

/**
 * Appends through the API with a token.
 * @param {string} name
 * @param {string} text
 * @returns {Promise<number>}
 */
async function append(name, text) {
  const res = await fetch(`${server.url}/logs/${name}/records`, {
    method: "POST",
    headers: { authorization: `Bearer ${all}` },
    body: enc.encode(text),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).offset;
}

test("with a secret the page asks for a token, keeps it for the tab only, and tails with it", {
  timeout: 60_000,
}, async () => {
  const name = `acme/console-token-${Date.now().toString(36)}`;
  await append(name, "first");
  await withPage(browser, "token flow", async (page) => {
    /** @type {import("playwright-core").WebSocket[]} */
    const sockets = [];
    page.on("websocket", (ws) => sockets.push(ws));
    // What the page offers as subprotocols: a browser's WebSocket can send no other header.
    await page.addInitScript(() => {
      const Native = WebSocket;
      /** @type {unknown[]} */
      const offered = [];
      Object.assign(globalThis, { offered });
      globalThis.WebSocket = class extends Native {
        /** @param {string | URL} url @param {string | string[]} [protocols] */
        constructor(url, protocols) {
          super(url, protocols);
          offered.push(protocols);
        }
      };
    });
    const response = await page.goto(`${server.url}/console/`);
    assert.equal(response?.status(), 200, "the page itself needs no token");
    assert.equal(await page.isHidden("#token-section"), true, "no token asked before it is needed");
    await openLog(page, name);
    await waitForText(page, "#error", /^UNAUTHORIZED \(401\): /);
    await waitForText(page, "#token-reason", /^This server needs a token\.$/);
    assert.equal(await page.isVisible("#token-section"), true);
    assert.equal(await page.isHidden("#log-view"), true);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      "token",
      "the token field has the focus",
    );

    await page.fill("#token", all);
    await page.press("#token", "Enter");
    await waitForRecords(page, "live", 1);
    await waitForText(page, "#live-status", /^Live/);
    assert.equal(await page.isHidden("#error"), true, "the error is gone once the log opens");
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("edgelog.console.token"),
      local: JSON.stringify({ ...localStorage }),
    }));
    assert.equal(storage.session, all, "kept in sessionStorage");
    assert(!storage.local.includes(all), "never in localStorage");
    assert(!page.url().includes(all), "never in the address");
    // The tail carries the token in its subprotocol offer, not in its URL.
    assert.equal(sockets.length, 1);
    assert(!sockets[0]?.url().includes(all));
    assert.deepEqual(await page.evaluate(() => Reflect.get(globalThis, "offered")), [
      ["edgelog", `edgelog.bearer.${all}`],
    ]);
    assert.equal(
      await page.isVisible("#admin-forms"),
      true,
      "an admin token gets truncate and config",
    );

    await append(name, "second");
    await waitForRecords(page, "live", 2);
    assert.deepEqual((await shown(page, "live")).map((r) => r.text), ["first", "second"]);

    // The same tab keeps it across a reload; another tab does not have it.
    await page.reload();
    await waitForRecords(page, "live", 2);
    assert.equal(await page.isHidden("#error"), true);
    const other = await page.context().newPage();
    await other.goto(`${server.url}/console/?log=${name}`);
    await waitForText(other, "#error", /^UNAUTHORIZED \(401\): /);
    assert.equal(await other.evaluate(() => sessionStorage.length), 0);
    await other.close();

    await page.click("#token-forget");
    await waitForText(page, "#token-reason", /^The token is forgotten\.$/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("edgelog.console.token")), null);
    assert.equal(await page.isHidden("#log-view"), true);
  });
});

test(
  "what a token does not allow shows as the protocol's 403, and admin is hidden without the right",
  {
    timeout: 60_000,
  },
  async () => {
    const name = `acme/console-403-${Date.now().toString(36)}`;
    await append(name, "readable");
    await withPage(browser, "forbidden", async (page) => {
      await page.goto(`${server.url}/console/`);
      await page.evaluate(
        (token) => sessionStorage.setItem("edgelog.console.token", token),
        readOnly,
      );
      await page.goto(`${server.url}/console/?log=${name}`);
      await waitForRecords(page, "live", 1);
      assert.equal(await page.isHidden("#admin-forms"), true);
      assert.equal(await page.textContent("#admin-denied"), "This token has no admin right.");
      await page.fill("#append-text", "not allowed");
      await page.click("#append-form button[type=submit]");
      await waitForText(page, "#error", /^FORBIDDEN \(403\): .*append/);
      assert.equal(await page.textContent("#append-result"), "");

      // A token of another tenant: the log itself is refused, and another token is asked for.
      await page.fill("#token", globex);
      await page.press("#token", "Enter");
      await waitForText(page, "#error", /^FORBIDDEN \(403\): /);
      await waitForText(page, "#token-reason", /does not allow this log/);
    });
  },
);
