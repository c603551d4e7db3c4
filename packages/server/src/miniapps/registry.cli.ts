import { parseArgs } from 'node:util';
import type { MiniAppStatus } from '@jiaozi/protocol';
import { isUuid } from '../kernel/ids.js';
import type { MiniAppRegistry } from './registry.service.js';

const STATUSES: readonly MiniAppStatus[] = ['pending', 'approved', 'rejected', 'suspended'];

/** A mistake in the command line: the CLI prints it with the usage. */
export class MiniappsUsageError extends Error {}

/**
 * `jiaozi miniapps list [--status S]` and `jiaozi miniapps approve <appId>`: what an operator
 * does from a shell, through the same service as the admin routes. Answers the lines to print.
 */
export async function miniappsCommand(
  registry: MiniAppRegistry,
  sub: string | undefined,
  args: string[],
): Promise<string[]> {
  switch (sub) {
    case 'list': {
      const { values } = parseArgs({ args, options: { status: { type: 'string' } } });
      const status = values.status;
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
        throw new MiniappsUsageError(`--status takes one of ${STATUSES.join(', ')}.`);
      }
      const apps = await registry.adminList(status as MiniAppStatus | undefined);
      if (apps.length === 0) return [status ? `No ${status} mini apps.` : 'No mini apps.'];
      return apps.map((a) => `${a.id}  ${a.status.padEnd(9)}  ${a.name}  ${a.origin}`);
    }
    case 'approve': {
      const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
      const appId = positionals[0];
      if (!appId || positionals.length !== 1 || !isUuid(appId)) {
        throw new MiniappsUsageError('Name one app by its id: jiaozi miniapps approve <appId>.');
      }
      const app = await registry.approve(appId);
      return [`${app.name} (${app.id}) is approved; it is listed in Discover.`];
    }
    default:
      throw new MiniappsUsageError(`Unknown command: miniapps ${sub ?? ''}`.trim());
  }
}
