/**
 * Runs the shop's server: `node dist/server/main.js` with
 * JIAOZI_URL, APP_SECRET, WEBHOOK_SECRET, PORT (default 8092), DATA_DIR (default ./data),
 * CURRENCY (live mode; default CNY), HOST (default 127.0.0.1). APP_ID is informational.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startShop } from './shop.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`shop: set ${name} (see the README).`);
    process.exit(2);
  }
  return value;
}

const here = dirname(fileURLToPath(import.meta.url));
// Built: dist/server/main.js beside dist/app; from source: src/server/main.ts → dist/app.
const staticDir = [resolve(here, '../app'), resolve(here, '../../dist/app')].find((dir) =>
  existsSync(resolve(dir, 'index.html')),
);

const running = await startShop({
  jiaoziUrl: required('JIAOZI_URL'),
  appSecret: required('APP_SECRET'),
  webhookSecret: required('WEBHOOK_SECRET'),
  port: Number(process.env.PORT ?? 8092),
  host: process.env.HOST ?? '127.0.0.1',
  dataDir: resolve(process.env.DATA_DIR ?? 'data'),
  currency: process.env.CURRENCY ?? 'CNY',
  staticDir: staticDir ?? null,
});
process.stdout.write(
  `shop: listening on ${running.url} (app ${process.env.APP_ID ?? '?'}, ${running.shop.merchant.mode} mode${staticDir ? '' : ', app not built'})\n`,
);

const stop = () => {
  running.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
