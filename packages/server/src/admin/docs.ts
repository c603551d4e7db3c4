import { ERROR_TABLE } from '@jiaozi/protocol';
import { CONFIG_VARS } from '../kernel/config.js';

export const GENERATED_BEGIN = '<!-- generated: do not edit by hand; `npm run docs` rewrites it -->';
export const GENERATED_END = '<!-- end generated -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The error table as Markdown, from protocol's ERROR_TABLE. */
export function renderErrorTable(): string {
  const rows = Object.entries(ERROR_TABLE)
    .sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b))
    .map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${cell(meaning)} |`);
  return ['| code | HTTP status | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The configuration table as Markdown, from the kernel's CONFIG_VARS. */
export function renderConfigTable(): string {
  const rows = Object.values(CONFIG_VARS).map(
    (v) =>
      `| \`${v.name}\` | ${v.default === undefined ? '(unset)' : `\`${v.default}\``} | ${cell(v.description)} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Replaces the generated block of a Markdown document. */
export function replaceGenerated(document: string, table: string): string {
  const start = document.indexOf(GENERATED_BEGIN);
  const end = document.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error('the document has no generated block');
  return `${document.slice(0, start)}${GENERATED_BEGIN}\n${table}\n${document.slice(end)}`;
}

export function generatedBlock(document: string): string | undefined {
  const start = document.indexOf(GENERATED_BEGIN);
  const end = document.indexOf(GENERATED_END);
  if (start < 0 || end < start) return undefined;
  return document.slice(start + GENERATED_BEGIN.length, end).trim();
}
