import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

/** Bundles an app entry the way a mini app's build would and answers the code it keeps. */
async function bundle(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'jiaozi-sdk-shake-'));
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, source);
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    root: dir,
    resolve: {
      conditions: ['source', 'module', 'browser'],
      alias: { '@jiaozi/sdk': join(dirname(fileURLToPath(import.meta.url)), 'index.ts') },
    },
    build: { write: false, minify: false, lib: { entry, formats: ['es'], fileName: 'out' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as {
    output: { type: string; code?: string }[];
  }[];
  return outputs.flatMap((o) => o.output.map((chunk) => chunk.code ?? '')).join('\n');
}

describe('tree shaking', () => {
  it('keeps only the calls an app uses, and never the mock host', async () => {
    const code = await bundle(
      "import { auth, connect } from '@jiaozi/sdk';\nexport async function start() { await connect(); return auth.login(); }\n",
    );
    expect(code).toMatch(/call\(["']auth\.login["']/);
    // The interactive-method list of the client names them; their functions are gone.
    expect(code).not.toMatch(/call\(["']pay\.requestPayment["']/);
    expect(code).not.toMatch(/call\(["']media\.chooseImage["']/);
    expect(code).not.toContain('storage.get');
    expect(code).not.toContain('mock_code_');
    expect(code).not.toContain('MockAppWindow');
    // The control: a test that imports the mock host does get it.
    const withMock = await bundle("export { createMockHost } from '@jiaozi/sdk';\n");
    expect(withMock).toContain('mock_code_');
  }, 60_000);
});
