// Tiny DOM helpers and KaTeX rendering (KaTeX and its fonts are bundled by Vite from the katex package).
import katex from 'katex';
import 'katex/dist/katex.min.css';

type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>;

/** `h('div', { class: 'x', onclick: f }, child, 'text')`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string | null | undefined | false>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'testid') el.setAttribute('data-testid', String(v));
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Renders LaTeX into `el` (display mode); a LaTeX error shows as red text, never throws. */
export function renderMath(el: HTMLElement, latex: string, display = true): void {
  el.setAttribute('data-latex', latex);
  // Inline mode with \displaystyle lets KaTeX break long formulas after operators (display mode never wraps).
  katex.render(display ? latex : `\\displaystyle ${latex}`, el, { displayMode: display, throwOnError: false, strict: 'ignore', output: 'htmlAndMathml' });
}

/** A `<canvas>` with a fixed backing size. */
export function canvas(width: number, height: number, testid?: string): HTMLCanvasElement {
  const c = h('canvas', { width, height, testid });
  return c;
}

/** Formats a loss value for readouts: 8 significant digits. */
export function fmtValue(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(8) : String(v);
}
