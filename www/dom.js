// Small DOM helpers. Text is always set with textContent, never as HTML.

/** Creates an element with optional class, text and children. */
export function el(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export { count } from './format.js';

/** The text with its first letter in upper case (for labels that start a sentence). */
export const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** Saves a Blob as a file through a temporary link. */
export function saveFile(blob, name, type) {
  const url = URL.createObjectURL(new Blob([blob], { type }));
  const link = el('a', { attrs: { href: url, download: name } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
