#!/usr/bin/env node
// Generates the docs site's API reference: TypeDoc converts every public entry point of every package (the
// `exports` map of each packages/*/package.json) and this script writes a compact JSON of every export, with its
// signatures, TSDoc (summary, remarks, parameters, returns, examples, references), members of classes and interfaces,
// and the source file and line. The site (apps/playground) renders it, links it from each catalog page, searches it
// and serves the sources it points at.
//
//   node tooling/docs/api.mjs [--out <file>]     (default apps/playground/generated/api.json)
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, ReflectionKind } from 'typedoc';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = resolve(outIdx >= 0 ? args[outIdx + 1] : join(root, 'apps', 'playground', 'generated', 'api.json'));
const started = Date.now();

/** Every public entry point: `{ module: '@losskit/core/testing', file: '<abs>/src/testing/index.ts' }`. */
function entryPoints() {
  const list = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pj = join(root, 'packages', dir, 'package.json');
    if (!existsSync(pj)) continue;
    const pkg = JSON.parse(readFileSync(pj, 'utf8'));
    for (const sub of Object.keys(pkg.exports ?? { '.': null })) {
      if (sub.endsWith('package.json')) continue;
      const rel = sub === '.' ? 'index.ts' : `${sub.slice(2)}/index.ts`;
      const file = join(root, 'packages', dir, 'src', rel);
      if (existsSync(file)) list.push({ module: sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, file });
    }
  }
  return list;
}

const entries = entryPoints();
const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map((e) => e.file),
  entryPointStrategy: 'resolve',
  tsconfig: join(here, 'tsconfig.json'),
  skipErrorChecking: true,
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeExternals: true,
  sort: ['source-order'],
  logLevel: 'Warn',
  validation: { notExported: false, invalidLink: false, rewrittenLink: false, notDocumented: false, unusedMergeModuleWith: false },
});
const project = await app.convert();
if (!project) {
  console.error('typedoc: conversion failed');
  process.exit(1);
}

/** Display parts → Markdown-ish text; `{@link X}` becomes `[[X]]` (the site resolves it to an API page). */
function text(parts) {
  if (!parts) return '';
  return parts
    .map((p) => {
      if (p.kind === 'inline-tag') {
        const t = (p.text || (typeof p.target === 'string' ? p.target : p.target?.name) || '').trim();
        return p.tag === '@link' || p.tag === '@linkcode' || p.tag === '@linkplain' ? `[[${t}]]` : t;
      }
      return p.text;
    })
    .join('');
}

function commentOf(c) {
  if (!c) return undefined;
  const summary = text(c.summary).trim();
  const blocks = {};
  for (const tag of c.blockTags ?? []) {
    const key = tag.tag.slice(1);
    (blocks[key] ??= []).push(text(tag.content).trim());
  }
  const o = {};
  if (summary) o.summary = summary;
  if (blocks.example) o.examples = blocks.example.map((e) => e.replace(/^```\w*\n?|```$/g, '').trim());
  if (blocks.see) o.see = blocks.see;
  if (blocks.remarks) o.remarks = blocks.remarks.join('\n\n');
  if (blocks.returns) o.returns = blocks.returns.join(' ');
  if (blocks.deprecated) o.deprecated = blocks.deprecated.join(' ') || 'deprecated';
  if (blocks.defaultValue) o.default = blocks.defaultValue.join(' ');
  return Object.keys(o).length ? o : undefined;
}

function sourceOf(r) {
  const s = r.sources?.[0];
  if (!s) return undefined;
  return { file: relative(root, s.fullFileName).replaceAll('\\', '/'), line: s.line };
}

const typeText = (t) => (t ? t.toString() : 'unknown');

function typeParams(tps) {
  return tps?.length ? `<${tps.map((t) => `${t.name}${t.type ? ` extends ${typeText(t.type)}` : ''}${t.default ? ` = ${typeText(t.default)}` : ''}`).join(', ')}>` : '';
}

function signature(name, sig) {
  const ps = (sig.parameters ?? []).map((p) => `${p.flags.isRest ? '...' : ''}${p.name}${p.flags.isOptional || p.defaultValue ? '?' : ''}: ${typeText(p.type)}`);
  const o = { text: `${name}${typeParams(sig.typeParameters)}(${ps.join(', ')}): ${typeText(sig.type)}` };
  const c = commentOf(sig.comment);
  if (c) Object.assign(o, c);
  const params = (sig.parameters ?? []).map((p) => ({ name: p.name, type: typeText(p.type), ...(p.comment ? { doc: text(p.comment.summary).trim() } : {}), ...(p.defaultValue ? { default: p.defaultValue } : {}) }));
  if (params.length) o.params = params;
  o.returns ??= undefined;
  o.returnType = typeText(sig.type);
  return o;
}

const KIND = {
  [ReflectionKind.Function]: 'function',
  [ReflectionKind.Class]: 'class',
  [ReflectionKind.Interface]: 'interface',
  [ReflectionKind.TypeAlias]: 'type',
  [ReflectionKind.Variable]: 'variable',
  [ReflectionKind.Enum]: 'enum',
  [ReflectionKind.Namespace]: 'namespace',
  [ReflectionKind.Method]: 'method',
  [ReflectionKind.Property]: 'property',
  [ReflectionKind.Accessor]: 'accessor',
  [ReflectionKind.Constructor]: 'constructor',
};

function member(r) {
  const kind = KIND[r.kind] ?? ReflectionKind[r.kind]?.toLowerCase() ?? 'other';
  const o = { name: r.name, kind };
  if (r.flags?.isStatic) o.static = true;
  if (r.flags?.isReadonly) o.readonly = true;
  if (r.flags?.isOptional) o.optional = true;
  const sigs = r.signatures ?? (r.getSignature ? [r.getSignature] : []);
  if (sigs.length) {
    o.signatures = sigs.map((s) => signature(r.kind === ReflectionKind.Constructor ? 'new ' : r.name, s));
    o.summary = o.signatures.find((s) => s.summary)?.summary;
  } else if (r.type) {
    o.type = typeText(r.type);
  }
  const c = commentOf(r.comment);
  if (c) Object.assign(o, c);
  if (r.kind === ReflectionKind.TypeAlias && r.type) o.type = typeText(r.type);
  if (r.kind === ReflectionKind.TypeAlias) o.typeParameters = typeParams(r.typeParameters);
  const src = sourceOf(r);
  if (src) o.source = src;
  if (r.children && (r.kind === ReflectionKind.Class || r.kind === ReflectionKind.Interface || r.kind === ReflectionKind.Enum || r.kind === ReflectionKind.Namespace)) {
    o.members = r.children.filter((m) => !m.name.startsWith('_')).map(member);
  }
  if (r.kind === ReflectionKind.Variable && r.type) o.type = typeText(r.type);
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

// TypeDoc names each module after its entry file; map them back to the package specifiers.
const modules = project.children ?? [];
const byFile = new Map(entries.map((e) => [e.file, e.module]));
const result = { generated: new Date().toISOString(), typedoc: Application.VERSION, modules: [] };
for (const m of modules.length && modules[0].kind === ReflectionKind.Module ? modules : [project]) {
  const file = m.sources?.[0]?.fullFileName;
  const name = (file && byFile.get(file)) ?? entries.find((e) => m.name && e.file.includes(m.name.replace(/\/index$/, '')))?.module ?? m.name;
  const mod = { module: name, exports: (m.children ?? []).map(member) };
  const c = commentOf(m.comment);
  if (c) mod.summary = c.summary;
  result.modules.push(mod);
}
result.modules.sort((a, b) => entries.findIndex((e) => e.module === a.module) - entries.findIndex((e) => e.module === b.module));
const count = result.modules.reduce((n, m) => n + m.exports.length, 0);
const undocumented = result.modules.flatMap((m) => m.exports.filter((x) => !x.summary && !x.signatures?.some((s) => s.summary)).map((x) => `${m.module}:${x.name}`));
result.undocumented = undocumented;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result));
console.log(`api: ${result.modules.length} modules, ${count} exports (${undocumented.length} without TSDoc) → ${relative(root, out)} (${Math.round(statSync(out).size / 1024)} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
