import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, ERROR_TABLE } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/app.js';
import { generatedBlock, renderConfigTable, renderErrorTable } from './docs.js';

const here = dirname(fileURLToPath(import.meta.url));
const serverSrc = resolve(here, '..');
const repoRoot = resolve(here, '../../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Codes the server can produce: thrown DomainErrors and the framework error mapper's answers. */
function thrownCodes(): Set<string> {
  const codes = new Set<string>();
  const patterns = [/new DomainError\(\s*'([a-z_]+)'/g, /\bbody\(\s*'([a-z_]+)'/g];
  for (const file of sourceFiles(serverSrc)) {
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) codes.add(m[1] as string);
  }
  return codes;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

/** Every (code, status) pair the OpenAPI document declares for some route. */
function documentedCodes(doc: OpenApiDoc): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const json = JSON.stringify(response);
        for (const m of json.matchAll(/"code":\{"type":"string","enum":\[([^\]]*)\]/g)) {
          for (const code of JSON.parse(`[${m[1]}]`) as string[]) {
            out.set(code, (out.get(code) ?? new Set()).add(Number(status)));
          }
        }
      }
    }
  }
  return out;
}

describe('error codes stay in sync', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as OpenApiDoc;
  });
  afterAll(async () => t?.shutdown());

  it('documents every code of the table on some route, under its own status', () => {
    const documented = documentedCodes(doc);
    expect([...documented.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const [code, statuses] of documented) {
      expect([...statuses], code).toEqual([ERROR_TABLE[code as keyof typeof ERROR_TABLE].status]);
    }
  });

  it('throws exactly the codes of the table', () => {
    expect([...thrownCodes()].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('keeps docs/errors.md and docs/operator.md generated from the source', () => {
    const errorsDoc = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');
    const operatorDoc = readFileSync(join(repoRoot, 'docs/operator.md'), 'utf8');
    expect(generatedBlock(errorsDoc), 'run `npm run docs`').toBe(renderErrorTable());
    expect(generatedBlock(operatorDoc), 'run `npm run docs`').toBe(renderConfigTable());
  });

  it('lists the error schema as a component with every code', () => {
    const components = (doc as unknown as { components: { schemas: { Error: unknown } } }).components;
    expect(JSON.stringify(components.schemas.Error)).toContain(JSON.stringify(ERROR_CODES));
  });
});
