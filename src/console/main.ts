/**
 * The web console's entry (bundled by `scripts/build_console.mjs` into `console.js`): open a
 * log by name, see its bounds and config, page through its records, follow it live, append to
 * it, and truncate or configure it with the `admin` right. It talks to the edgelog API of the
 * origin that served it, only through the client (`LogClient`). With a secret on the server,
 * it asks for a token and keeps it in the tab's `sessionStorage`; the tail sends it in the
 * WebSocket subprotocol, as the client does.
 *
 * @module
 */
import { HttpError } from "../client/http_error.ts";
import { LogClient } from "../client/log_client.ts";
import { unverifiedRights } from "../protocol/token.ts";
import { AdminPanel } from "./admin_panel.ts";
import { AppendBox } from "./append_box.ts";
import { byId, element } from "./element.ts";
import { LiveView } from "./live_view.ts";
import { Notices } from "./notices.ts";
import { Pager } from "./pager.ts";
import { RecentLogs } from "./recent_logs.ts";
import { Summary } from "./summary.ts";
import { TokenStore } from "./token_store.ts";

/** How many of the newest records the live view shows when a log is opened. */
const LIVE_BACKLOG = 20;

const notices = new Notices(byId("error", HTMLElement), byId("announce", HTMLElement));
// Whatever fails shows as a message: never a blank page.
addEventListener("error", (event) => notices.error(event.error ?? event.message));
addEventListener("unhandledrejection", (event) => notices.error(event.reason));

/** The API's root: the console is served at `/console/` by the Worker that serves the API. */
const api = new URL("..", location.href);
const tokens = new TokenStore(sessionStorage);
const recent = new RecentLogs(localStorage);

const nameInput = byId("log-name", HTMLInputElement);
const logView = byId("log-view", HTMLElement);
const tokenSection = byId("token-section", HTMLElement);
const tokenInput = byId("token", HTMLInputElement);
const tokenReason = byId("token-reason", HTMLElement);

const summary = new Summary();
const pager = new Pager(notices, (bounds) => summary.showBounds(bounds));
const live = new LiveView(notices);
const refresh = () => void refreshSummary();
const appendBox = new AppendBox(notices, refresh);
const admin = new AdminPanel(notices, () => {
  refresh();
  void pager.newest();
});

/** The client of the log shown, if any. */
let shown: LogClient | undefined;

/** Opens a log: reads its bounds and config, then shows it and follows it. */
async function openLog(name: string): Promise<void> {
  notices.clear();
  const token = tokens.get();
  let client: LogClient;
  try {
    client = new LogClient(api, name.trim(), token === undefined ? {} : { token });
  } catch (error) {
    notices.error(error);
    return;
  }
  let bounds, config;
  try {
    [bounds, config] = await Promise.all([client.bounds(), client.config()]);
  } catch (error) {
    if (
      error instanceof HttpError && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")
    ) {
      askForToken(error);
    }
    notices.error(error);
    return;
  }
  shown = client;
  recent.add(client.name);
  showRecent();
  history.replaceState(null, "", `?log=${encodeURIComponent(client.name)}`);
  document.title = `${client.name} · edgelog console`;
  byId("log-title", HTMLElement).textContent = client.name;
  logView.hidden = false;
  summary.showBounds(bounds);
  summary.showConfig(config);
  const rights = token === undefined ? undefined : unverifiedRights(token);
  admin.open(client, config, rights === undefined || rights.includes("admin"));
  appendBox.open(client);
  live.open(client, Math.max(bounds.begin, bounds.end - LIVE_BACKLOG));
  await pager.open(client);
}

async function refreshSummary(): Promise<void> {
  const client = shown;
  if (client === undefined) return;
  try {
    const [bounds, config] = await Promise.all([client.bounds(), client.config()]);
    summary.showBounds(bounds);
    summary.showConfig(config);
  } catch (error) {
    notices.error(error);
  }
}

/** Shows the token form, with the server's reason. */
function askForToken(error: HttpError): void {
  tokenSection.hidden = false;
  tokenReason.textContent = error.code === "UNAUTHORIZED"
    ? "This server needs a token."
    : "This token does not allow this log: give another one.";
  tokenInput.focus();
}

function showRecent(): void {
  const names = recent.list();
  byId("recent-logs", HTMLDataListElement).replaceChildren(
    ...names.map((name) => element("option", { value: name })),
  );
  byId("recent", HTMLUListElement).replaceChildren(
    ...names.map((name) => {
      const button = element("button", { type: "button", "aria-label": `Open ${name}` }, name);
      button.addEventListener("click", () => {
        nameInput.value = name;
        void openLog(name);
      });
      return element("li", {}, button);
    }),
  );
}

byId("open-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  void openLog(nameInput.value);
});
byId("refresh", HTMLButtonElement).addEventListener("click", refresh);
byId("token-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  try {
    tokens.set(tokenInput.value);
  } catch (error) {
    notices.error(error);
    return;
  }
  tokenInput.value = "";
  tokenReason.textContent = "A token is kept for this tab.";
  const name = shown?.name ?? nameInput.value;
  if (name.trim() !== "") void openLog(name);
});
byId("token-forget", HTMLButtonElement).addEventListener("click", () => {
  tokens.clear();
  live.close();
  shown = undefined;
  logView.hidden = true;
  tokenReason.textContent = "The token is forgotten.";
});

if (tokens.get() !== undefined) {
  tokenSection.hidden = false;
  tokenReason.textContent = "A token is kept for this tab.";
}
showRecent();
const initial = new URLSearchParams(location.search).get("log");
if (initial !== null && initial !== "") {
  nameInput.value = initial;
  void openLog(initial);
}
