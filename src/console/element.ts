/**
 * Finding the page's elements and making new ones, for the console's views: by id, checked
 * against the class the view expects, so that a page and a script that disagree fail at once
 * with the id in the message instead of leaving a blank view.
 *
 * @example
 * ```ts ignore
 * const list = byId("live", HTMLOListElement);
 * list.append(element("li", { class: "record" }, "hello"));
 * ```
 *
 * @module
 */

/**
 * The element of the page with the id, of the class given.
 *
 * @param id The element's id.
 * @param type Its class, e.g. `HTMLInputElement`.
 * @returns The element.
 * @throws {TypeError} When the page has no such element, or one of another class.
 */
export function byId<T extends Element>(id: string, type: abstract new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new TypeError(`The page has no element "${id}" of the kind ${type.name}`);
  }
  return found;
}

/**
 * A new element with attributes and children (text is set as text, never parsed as HTML).
 *
 * @param tag The tag name.
 * @param attributes Attributes to set.
 * @param children Child nodes or texts.
 * @returns The element.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  made.append(...children);
  return made;
}
