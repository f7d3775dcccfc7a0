/**
 * The confirmation that guards what cannot be undone (truncating, changing the config): a
 * modal dialog that names the action; Cancel has the focus, Escape cancels.
 *
 * @example
 * ```ts ignore
 * if (await confirmAction("Drop every record below offset 10?", "Truncate")) await truncate();
 * ```
 *
 * @module
 */
import { byId } from "./element.ts";

/**
 * Asks the user to confirm an action.
 *
 * @param text What will happen, in one or two sentences.
 * @param action The label of the button that does it.
 * @returns `true` when the user confirmed, `false` when they cancelled.
 */
export function confirmAction(text: string, action: string): Promise<boolean> {
  const dialog = byId("confirm", HTMLDialogElement);
  const ok = byId("confirm-ok", HTMLButtonElement);
  const cancel = byId("confirm-cancel", HTMLButtonElement);
  byId("confirm-text", HTMLElement).textContent = text;
  ok.textContent = action;
  return new Promise((resolve) => {
    const done = (confirmed: boolean) => {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      resolve(confirmed);
    };
    const onOk = () => done(true);
    const onCancel = () => done(false);
    const onClose = () => done(false);
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    cancel.focus();
  });
}
