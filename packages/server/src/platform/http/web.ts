import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../kernel/errors.js';

const API_PREFIXES = ['/v1/', '/v1', '/docs', '/healthz', '/readyz', '/metrics'];

/**
 * Serves the built web client at `/`, and index.html for the client's own routes (History
 * API). API paths that match nothing answer a JSON 404 `not_found`.
 */
export async function serveWeb(app: FastifyInstance, webDistDir: string | undefined): Promise<boolean> {
  const hasWeb = webDistDir !== undefined && existsSync(join(webDistDir, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webDistDir,
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res, path) => {
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isApi = API_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
    if (hasWeb && !isApi && (request.method === 'GET' || request.method === 'HEAD')) {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    }
    throw new DomainError('not_found', `No route ${request.method} ${path}.`);
  });
  return hasWeb;
}
