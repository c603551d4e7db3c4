/**
 * A tiny HTTP layer on node:http: JSON routes under `/api` with `:params`, a size-limited
 * body, typed errors, and the mini app's built files for everything else.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The body exactly as received (webhooks verify these bytes). */
  rawBody: Buffer;
  /** The body parsed as a JSON object (400 `invalid_request` otherwise). */
  json(): Record<string, unknown>;
}

export interface ApiResponse {
  status?: number;
  /** Sent as JSON, unless `bytes` is given. */
  body?: unknown;
  /** Sent as they are, with this content type (for images). */
  bytes?: { contentType: string; data: Buffer; cacheControl?: string };
}

type Handler = (request: ApiRequest) => Promise<ApiResponse> | ApiResponse;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
  bodyLimitBytes: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly options: { staticDir: string | null; bodyLimitBytes: number }) {}

  /** Adds a route; `bodyLimitBytes` overrides the router's limit for this one. */
  on(method: string, pattern: string, handler: Handler, options: { bodyLimitBytes?: number } = {}): this {
    this.routes.push({
      method,
      parts: pattern.split('/').filter(Boolean),
      handler,
      bodyLimitBytes: options.bodyLimitBytes ?? this.options.bodyLimitBytes,
    });
    return this;
  }

  /** The `(req, res)` listener for `http.createServer`. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { error: { code: 'internal', message: (error as Error).message } });
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD')
        return send(res, 405, errorBody('method_not_allowed', 'GET only.'));
      return this.serveStatic(url.pathname, res);
    }
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let matched: { route: Route; params: Record<string, string> } | null = null;
    let pathKnown = false;
    for (const route of this.routes) {
      const params = match(route.parts, segments);
      if (params === null) continue;
      pathKnown = true;
      if (route.method === method) {
        matched = { route, params };
        break;
      }
    }
    if (matched === null) {
      return pathKnown
        ? send(res, 405, errorBody('method_not_allowed', `${method} is not allowed here.`))
        : send(res, 404, errorBody('not_found', 'No such route.'));
    }
    try {
      const rawBody = await readBody(req, matched.route.bodyLimitBytes);
      const request: ApiRequest = {
        method,
        path: url.pathname,
        params: matched.params,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        json() {
          let parsed: unknown;
          try {
            parsed = JSON.parse(rawBody.toString('utf8'));
          } catch {
            throw new HttpError(400, 'invalid_request', 'The body is not JSON.');
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            throw new HttpError(400, 'invalid_request', 'The body must be a JSON object.');
          }
          return parsed as Record<string, unknown>;
        },
      };
      const answer = await matched.route.handler(request);
      if (answer.bytes !== undefined) {
        res.writeHead(answer.status ?? 200, {
          'content-type': answer.bytes.contentType,
          'content-length': answer.bytes.data.length,
          'cache-control': answer.bytes.cacheControl ?? 'no-store',
          'x-content-type-options': 'nosniff',
        });
        res.end(answer.bytes.data);
        return;
      }
      send(res, answer.status ?? 200, answer.body ?? null);
    } catch (error) {
      if (error instanceof HttpError) return send(res, error.status, errorBody(error.code, error.message));
      throw error;
    }
  }

  private async serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const root = this.options.staticDir;
    if (root === null) return send(res, 404, errorBody('not_found', 'This server has no app files.'));
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    let file = join(root, relative);
    if (!file.startsWith(root + sep) && file !== root)
      return send(res, 404, errorBody('not_found', 'Not found.'));
    let info = await stat(file).catch(() => null);
    if (info === null || info.isDirectory()) {
      // A client-side route: the app's page.
      file = join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (info === null) return send(res, 404, errorBody('not_found', 'The app is not built.'));
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': type,
      'content-length': info.size,
      'x-content-type-options': 'nosniff',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  }
}

function match(parts: string[], segments: string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'payload_too_large', `The body is larger than ${limit} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/** The bearer token of a request, if any. */
export function bearer(request: ApiRequest): string | undefined {
  const value = request.headers.authorization;
  return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
}
