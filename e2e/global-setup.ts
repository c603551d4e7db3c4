import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    webDistDir: string;
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the web client once, the way `npm start` does, for the browser tests to load. */
export default function setup(project: TestProject): void {
  const chromium = project.config.env?.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(`The e2e suite needs Chromium at ${chromium}: apt-get install -y chromium`);
  }
  const vite = join(root, 'node_modules', '.bin', 'vite');
  execFileSync(vite, ['build', '--logLevel', 'warn'], {
    cwd: join(root, 'packages', 'web'),
    stdio: 'inherit',
    // Vitest sets NODE_ENV=test; the browser tests load the production build, as npm start serves.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  project.provide('webDistDir', join(root, 'packages', 'web', 'dist'));
}
