// The CodeMirror 6 editor for DSL expressions: JavaScript highlighting, completions of the real terms (exported
// functions that return an expression) and of the `Expr` methods, each with its signature and one-line doc from the
// API reference, and an inline underline for errors.
import { autocompletion, type Completion, type CompletionContext, closeBrackets } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { HighlightStyle, bracketMatching, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { Annotation, EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap } from '@codemirror/view';
import { type ApiData, type ApiMember, firstSentence, loadApi } from './api.ts';
import { allEntries } from './catalogs.ts';
import { builders, exprMethods } from './dsl.ts';

const setError = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'cm-dsl-error' });
const silentChange = Annotation.define<boolean>();

/** Token colours from CSS variables (style.css), so the editor follows the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: [t.function(t.variableName), t.variableName], color: 'var(--tok-name)' },
  { tag: t.propertyName, color: 'var(--tok-prop)' },
  { tag: [t.number, t.bool, t.null], color: 'var(--tok-number)' },
  { tag: t.string, color: 'var(--tok-string)' },
  { tag: [t.keyword, t.operator], color: 'var(--tok-keyword)' },
  { tag: [t.punctuation, t.paren, t.brace, t.squareBracket], color: 'var(--tok-punct)' },
]);

const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setError)) continue;
      const len = tr.state.doc.length;
      if (!e.value || len === 0) d = Decoration.none;
      else {
        const from = Math.min(Math.max(0, e.value.from), len);
        const to = Math.min(Math.max(from + 1, e.value.to), len);
        d = from < to ? Decoration.set([errorMark.range(from, to)]) : Decoration.none;
      }
    }
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Terms (functions returning an `Expr`) and `Expr` methods with signature and doc, from the API reference. */
function completionsFrom(api: ApiData | undefined): { terms: Completion[]; methods: Completion[] } {
  const summaries = new Map<string, string>();
  for (const { entry } of allEntries()) if (!summaries.has(entry.export)) summaries.set(entry.export, entry.summary);
  const members = new Map<string, ApiMember>();
  for (const m of api?.modules ?? []) for (const x of m.exports) if (!members.has(x.name)) members.set(x.name, x);
  const terms: Completion[] = [];
  for (const [name, { module }] of builders) {
    const x = members.get(name);
    const sig = x?.signatures?.[0];
    // Only real terms: the API says the function returns an expression (Expr, Compilable).
    if (api && !(sig?.returnType && /^(Expr|Compilable)\b/.test(sig.returnType))) continue;
    const doc = x?.summary ?? sig?.summary ?? summaries.get(name);
    terms.push({
      label: name,
      type: 'function',
      apply: `${name}()`,
      detail: sig ? sig.text.replace(/^[^(]*/, '').replace(/:\s*Expr<.*$/, '') : module,
      info: `${sig?.text ?? name}\n${doc ? firstSentence(doc) : ''}\n${module}`,
    });
  }
  const exprDoc = members.get('Expr');
  const methods: Completion[] = exprMethods().map((name) => {
    const m = exprDoc?.members?.find((x) => x.name === name);
    const sig = m?.signatures?.[0];
    return { label: name, type: 'method', apply: `${name}()`, detail: sig ? sig.text.replace(/^[^(]*/, '').replace(/:\s*Expr<.*$/, '') : 'Expr method', info: `${sig?.text ?? name}\n${sig?.summary ? firstSentence(sig.summary) : ''}` };
  });
  return { terms: terms.sort((a, b) => a.label.localeCompare(b.label)), methods };
}

let cache = completionsFrom(undefined);
void loadApi().then((api) => { cache = completionsFrom(api); });

/** The completion options the editor offers (for tests): terms and methods. */
export function completionOptions(): { terms: Completion[]; methods: Completion[] } {
  return cache;
}

function completionSource(ctx: CompletionContext): { from: number; options: Completion[] } | null {
  const member = ctx.matchBefore(/\.\w*$/);
  if (member) return { from: member.from + 1, options: cache.methods };
  const word = ctx.matchBefore(/\w+$/);
  if (!word && !ctx.explicit) return null;
  return { from: word ? word.from : ctx.pos, options: cache.terms };
}

export interface DslEditor {
  readonly view: EditorView;
  value(): string;
  set(text: string): void;
  /** Replaces [from, to); `silent` skips the change callback (sliders update the plots themselves). */
  replace(from: number, to: number, text: string, silent?: boolean): void;
  markError(range: { from: number; to: number } | null): void;
}

/** Creates the editor (append `view.dom` where it goes); `onChange` runs on every document change. */
export function createEditor(parent: HTMLElement, initial: string, onChange: (text: string, silent: boolean) => void): DslEditor {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        history(),
        closeBrackets(),
        bracketMatching(),
        javascript(),
        syntaxHighlighting(highlight),
        autocompletion({ override: [completionSource], icons: false }),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        errorField,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'loss expression' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString(), u.transactions.some((t) => t.annotation(silentChange)));
        }),
      ],
    }),
  });
  return {
    view,
    value: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    replace: (from, to, text, silent = false) => view.dispatch({ changes: { from, to, insert: text }, annotations: silentChange.of(silent) }),
    markError: (range) => view.dispatch({ effects: setError.of(range) }),
  };
}
