/**
 * The page's one way of making elements. Every string becomes a text node and every attribute
 * goes through setAttribute, so data from the API is never parsed as HTML (no innerHTML here).
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Plain attributes; `style` is refused: the CSP allows no inline style. */
  attrs?: Record<string, string | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined) continue;
    if (name === 'style' || name.startsWith('on')) throw new Error(`attribute ${name} is not allowed`);
    el.setAttribute(name, value);
  }
  for (const [type, fn] of Object.entries(props.on ?? {})) el.addEventListener(type, fn as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content with the children (text stays text). */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

export function options(select: HTMLSelectElement, items: { value: string; label: string }[], keepFirst = true): void {
  const first = keepFirst ? select.options[0] : undefined;
  select.replaceChildren(...(first ? [first] : []), ...items.map((i) => h('option', { attrs: { value: i.value } }, i.label)));
}
