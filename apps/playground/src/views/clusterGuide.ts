// The guide "From the browser to a cluster" (docs/from-the-browser-to-a-cluster.md in the repository),
// rendered from its Markdown: headings, paragraphs, lists, code blocks and inline code, bold and emphasis.
import guide from '../../../../docs/from-the-browser-to-a-cluster.md?raw';
import { h } from '../dom.ts';

/** Inline Markdown: `code`, **bold**, *emphasis*; everything else is text. */
function inline(text: string): Array<Node | string> {
  const out: Array<Node | string> = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[1] !== undefined ? h('code', {}, m[1]) : m[2] !== undefined ? h('strong', {}, m[2]) : h('em', {}, m[3]!));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Renders the subset of Markdown the guide uses into `parent`. */
function render(markdown: string): HTMLElement[] {
  const blocks: HTMLElement[] = [];
  const lines = markdown.split('\n');
  let para: string[] = [];
  let list: HTMLElement | undefined;
  let item: HTMLElement | undefined;
  const flush = () => {
    if (para.length === 0) return;
    const text = para.join(' ');
    if (item) item.append(' ', ...inline(text));
    else blocks.push(h('p', {}, ...inline(text)));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed.startsWith('```')) {
      flush();
      const body: string[] = [];
      const indent = line.length - line.trimStart().length;
      for (i++; i < lines.length && !lines[i]!.trim().startsWith('```'); i++) body.push(lines[i]!.slice(indent));
      const pre = h('pre', { class: 'code' }, body.join('\n'));
      if (item && indent > 0) item.append(pre);
      else {
        list = item = undefined;
        blocks.push(pre);
      }
      continue;
    }
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) {
      flush();
      list = item = undefined;
      blocks.push(h(heading[1]!.length === 1 ? 'h1' : heading[1]!.length === 2 ? 'h2' : 'h3', {}, ...inline(heading[2]!)));
      continue;
    }
    const bullet = /^\s*(?:- |\d+\. )(.*)$/.exec(line);
    if (bullet) {
      flush();
      if (!list) {
        list = h('ul', {});
        blocks.push(list);
      }
      item = h('li', {}, ...inline(bullet[1]!));
      list.append(item);
      continue;
    }
    if (trimmed === '') {
      flush();
      if (!lines[i + 1]?.startsWith(' ') && !/^\s*(?:- |\d+\. )/.test(lines[i + 1] ?? '')) list = item = undefined;
      continue;
    }
    para.push(trimmed);
  }
  flush();
  return blocks;
}

/** `#/guide/cluster`. */
export function clusterGuideView(): HTMLElement {
  return h('section', { testid: 'guide', class: 'guide' }, ...render(guide));
}
