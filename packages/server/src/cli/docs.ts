#!/usr/bin/env node
/** Rewrites the generated tables in docs/errors.md and docs/operator.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigTable, renderErrorTable, replaceGenerated } from '../admin/docs.js';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs');
for (const [file, table] of [
  ['errors.md', renderErrorTable()],
  ['operator.md', renderConfigTable()],
] as const) {
  const path = resolve(docs, file);
  writeFileSync(path, replaceGenerated(readFileSync(path, 'utf8'), table));
  console.log(`wrote ${path}`);
}
