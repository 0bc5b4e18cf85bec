/**
 * Web mode door: the service over HTTP + server-sent events, bound to 127.0.0.1, guarded by a random
 * token. Transport only: every request is handed to ServiceDoor.call, which validates it.
 *
 *   POST /api/call/<method>    Authorization: Bearer <token>, JSON body -> JSON result | ApiErrorBody
 *   GET  /api/events?token=..  text/event-stream of StudioEvent (EventSource cannot send headers)
 *   GET  /*                    the built renderer (out/renderer), with a strict CSP
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { ServiceDoor } from '../../service/door';
import { ApiError } from '../../service/validate';
import type { ApiErrorBody } from '../../service/contract';
import { CONTENT_SECURITY_POLICY } from '../csp';


const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export interface WebServerOptions {
  /** Folder of the built renderer (index.html + assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Only loopback addresses are accepted. */
  host?: '127.0.0.1' | '::1';
  /** Fixed token (tests); default: 32 random bytes, base64url. */
  token?: string;
}

export interface WebServer {
  url: string;
  /** URL that opens the UI with the token in the fragment (never sent to the server in requests). */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startWebServer(service: ServiceDoor, options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`web mode binds loopback only, not ${String(host)}`);
  const token = options.token ?? randomBytes(32).toString('base64url');
  const staticRoot = resolve(options.staticDir);
  const sseClients = new Set<ServerResponse>();
  let port = 0;

  const unsubscribe = service.onEvent((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const client of sseClients) client.write(frame);
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      sendError(res, err instanceof ApiError ? err : new ApiError(messageOf(err), 'internal'));
    });
  });

  function allowedHosts(): string[] {
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS-rebinding guard: the Host header must name this loopback server.
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      return sendError(res, new ApiError('unexpected Host header', 'unauthorized'), 403);
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      // Cross-origin pages may not drive the API, even with a stolen token.
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHosts().some((h) => origin === `http://${h}`)) {
        return sendError(res, new ApiError('requests from other origins are refused', 'unauthorized'), 403);
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        if (!tokenMatches(url.searchParams.get('token'))) return sendError(res, new ApiError('missing or wrong token', 'unauthorized'), 401);
        return openEventStream(req, res);
      }
      const match = /^\/api\/call\/([a-zA-Z]+\.[a-zA-Z]+)$/.exec(url.pathname);
      if (!match) return sendError(res, new ApiError(`no such endpoint ${url.pathname}`, 'not-found'), 404);
      if (req.method !== 'POST') return sendError(res, new ApiError('use POST', 'bad-request'), 405);
      const auth = req.headers.authorization ?? '';
      if (!tokenMatches(auth.startsWith('Bearer ') ? auth.slice(7) : null)) {
        return sendError(res, new ApiError('missing or wrong token', 'unauthorized'), 401);
      }
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('application/json')) {
        return sendError(res, new ApiError('send the input as application/json', 'bad-request'), 415);
      }
      const body = await readBody(req);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        return sendError(res, new ApiError('the request body is not valid JSON', 'bad-request'));
      }
      const result = await service.call(match[1]!, input);
      return sendJson(res, 200, result);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new ApiError('use GET', 'bad-request'), 405);
    return serveStatic(url.pathname, res);
  }

  function tokenMatches(candidate: string | null): boolean {
    if (candidate === null) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(': connected\n\n');
    sseClients.add(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      sseClients.delete(res);
    });
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    let relative = decodeURIComponent(pathname);
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = normalize(join(staticRoot, relative));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      return sendError(res, new ApiError('not found', 'not-found'), 404);
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const content = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      });
      res.end(content);
    } catch {
      sendError(res, new ApiError(`not found: ${relative}`, 'not-found'), 404);
    }
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const hostInUrl = host === '::1' ? '[::1]' : host;
  const url = `http://${hostInUrl}:${port}`;
  return {
    url,
    openUrl: `${url}/#token=${token}`,
    token,
    port,
    close: async () => {
      unsubscribe();
      for (const client of sseClients) client.end();
      sseClients.clear();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(`request body larger than ${MAX_BODY_BYTES} bytes`, 'bad-request'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const STATUS: Record<ApiErrorBody['code'], number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

function sendError(res: ServerResponse, err: ApiError, status = STATUS[err.code]): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, err.toBody());
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
