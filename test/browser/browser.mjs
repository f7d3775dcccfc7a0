/**
 * What the browser tests of the web console share: Debian's headless Chromium driven by
 * `playwright-core` (no browser download: `CHROMIUM_PATH`, default `/usr/bin/chromium`), one
 * browser per test file and a fresh context (fresh storage) per test, a screenshot in
 * `.reports/` of every test that fails, and reading the console's lists.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT } from "../e2e/server.mjs";

/** Where failing tests leave their screenshots (and the run its screenshot of the console). */
export const REPORTS = join(ROOT, ".reports");

/**
 * Starts headless Chromium.
 * @returns {Promise<import("playwright-core").Browser>}
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // Root needs --no-sandbox; the rest keeps Chromium from doing anything but the test.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * A test's page: a new context (its own sessionStorage and localStorage) of `browser`, whose
 * uncaught page errors are collected in `errors`.
 * @param {import("playwright-core").Browser} browser
 * @returns {Promise<{ page: import("playwright-core").Page, errors: string[], close: () => Promise<void> }>}
 */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, errors, close: () => context.close() };
}

/**
 * Runs a test body with a page; when it fails, saves a screenshot of the page as
 * `.reports/browser-<test>.png` and names it in the error. Fails too when the page threw an
 * uncaught error.
 * @param {import("playwright-core").Browser} browser
 * @param {string} name the test's name
 * @param {(page: import("playwright-core").Page) => Promise<void>} body
 * @returns {Promise<void>}
 */
export async function withPage(browser, name, body) {
  const { page, errors, close } = await newPage(browser);
  try {
    await body(page);
    if (errors.length > 0) throw new Error(`The page threw: ${errors.join("; ")}`);
  } catch (error) {
    mkdirSync(REPORTS, { recursive: true });
    const file = join(REPORTS, `browser-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    if (error instanceof Error) error.message += `\n(screenshot of the page: ${file})`;
    throw error;
  } finally {
    await close();
  }
}

/**
 * The records a list of the console shows (`#live` or `#page`): offset, format, text shown.
 * @param {import("playwright-core").Page} page
 * @param {string} list the list's id
 * @returns {Promise<{ offset: number, format: string, text: string }[]>}
 */
export function shown(page, list) {
  return page.$$eval(`#${list} li`, (items) =>
    items.map((item) => ({
      offset: Number(/** @type {HTMLElement} */ (item).dataset.offset),
      format: /** @type {HTMLElement} */ (item).dataset.format ?? "",
      text: item.querySelector("pre")?.textContent ?? "",
    })));
}

/**
 * Waits until a list of the console shows `count` records.
 * @param {import("playwright-core").Page} page
 * @param {string} list
 * @param {number} count
 * @param {number} [timeout]
 */
export async function waitForRecords(page, list, count, timeout = 10_000) {
  await page.waitForFunction(
    ([id, n]) => (document.getElementById(id)?.childElementCount ?? 0) >= n,
    /** @type {[string, number]} */ ([list, count]),
    { timeout },
  );
}

/**
 * Waits until an element's text matches.
 * @param {import("playwright-core").Page} page
 * @param {string} selector
 * @param {RegExp} pattern
 * @param {number} [timeout]
 * @returns {Promise<string>} the text
 */
export async function waitForText(page, selector, pattern, timeout = 10_000) {
  try {
    await page.waitForFunction(
      ([s, source, flags]) =>
        new RegExp(source, flags).test(document.querySelector(s)?.textContent ?? ""),
      /** @type {[string, string, string]} */ ([selector, pattern.source, pattern.flags]),
      { timeout },
    );
  } catch (error) {
    const text = await page.textContent(selector).catch(() => null);
    throw new Error(`${selector} never matched ${pattern}; it reads ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
  return (await page.textContent(selector)) ?? "";
}

/**
 * Opens a log from the console's form, with the keyboard: types its name, presses Enter.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function openLog(page, name) {
  await page.fill("#log-name", name);
  await page.press("#log-name", "Enter");
}

/**
 * Tokens for `secret`, minted by the protocol's `mintToken` (src/protocol/token.ts, run by
 * Deno): one per grant, in order.
 * @param {string} secret
 * @param {object[]} grants
 * @returns {string[]}
 */
export function mintTokens(secret, grants) {
  const code = `import { mintToken } from "./src/protocol/token.ts";
const [secret, grants] = JSON.parse(Deno.args[0]);
console.log(JSON.stringify(await Promise.all(grants.map((g) => mintToken(secret, g)))));`;
  const run = spawnSync(
    join(ROOT, "node_modules", ".bin", "deno"),
    ["eval", "--quiet", code, JSON.stringify([secret, grants])],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } },
  );
  if (run.status !== 0) throw new Error(`Minting tokens failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
