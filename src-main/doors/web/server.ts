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
import { ApiError, fileSystemApiError } from '../../service/validate';
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
  /** Largest request body accepted (default 64 MiB); a larger one is answered 413. */
  maxBodyBytes?: number;
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

  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) return sendTooLarge(res, maxBodyBytes);
      sendError(res, toWireError(err));
    });
  };
  const server: Server = createServer(dispatch);
  // With this listener Node no longer answers `Expect: 100-continue` by itself: handle() sends
  // 100 Continue only once the method, the token and the declared size passed.
  server.on('checkContinue', dispatch);
  // Requests Node's parser rejects (bad request line, oversized headers) get a 4xx with a message.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: status === 431 ? 'request headers too large' : status === 408 ? 'request timed out' : 'malformed HTTP request', code: 'bad-request' });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  function allowedHosts(): string[] {
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS-rebinding guard: the Host header must name this loopback server.
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      return sendError(res, new ApiError('unexpected Host header', 'unauthorized'), 403);
    }
    let url: URL;
    try {
      // a fixed base: the path alone decides (a `//host/...` request line cannot change the origin)
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendError(res, new ApiError('the request path is not a valid URL', 'bad-request'), 400);
    }
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
      // method and size before the body: nothing of an unknown call or an oversized one is read
      const method = match[1]!;
      if (service.hasMethod && !service.hasMethod(method)) {
        return sendError(res, new ApiError(`unknown method "${method}"`, 'not-found'), 404, { close: hasBody(req) });
      }
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > maxBodyBytes) return sendTooLarge(res, maxBodyBytes);
      if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
      const body = await readBody(req, maxBodyBytes);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        return sendError(res, new ApiError('the request body is not valid JSON', 'bad-request'));
      }
      const result = await service.call(method, input);
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
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return sendError(res, new ApiError('the request path has a malformed %-escape', 'bad-request'), 400);
    }
    if (relative.includes('\0')) return sendError(res, new ApiError('the request path contains a NUL character', 'bad-request'), 400);
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

/** A body went past the limit while it streamed in (no Content-Length announced it). */
class BodyTooLarge extends Error {}

/**
 * Reads the body up to `limit` bytes. Past it, the rest is read and dropped (so the client, still
 * sending, can read the 413 instead of a reset) up to 4x the limit; beyond that the connection is cut.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        if (size > 4 * limit) req.destroy();
      }
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLarge()) : resolvePromise(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** True when the request announces a body (which a refusal leaves unread). */
function hasBody(req: IncomingMessage): boolean {
  return (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function sendTooLarge(res: ServerResponse, limit: number): void {
  sendError(res, new ApiError(`the request body is larger than ${limit.toLocaleString('en-US')} bytes`, 'bad-request'), 413, { close: true });
}

/**
 * What leaves the server for an error: an ApiError as it is; a file-system error as a sentence
 * naming the path; anything else as an internal error without raw system text (logged here).
 */
function toWireError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fileSystem = fileSystemApiError(err);
  if (fileSystem) return fileSystem;
  const message = messageOf(err);
  console.error(`web mode: internal error: ${message}`);
  return new ApiError(/\bE[A-Z]{3,}\b/.test(message) ? 'internal error (details in the server log)' : message, 'internal');
}

const STATUS: Record<ApiErrorBody['code'], number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

/** `close`: end the connection after this answer (a request body was left unread). */
function sendError(res: ServerResponse, err: ApiError, status = STATUS[err.code], options: { close?: boolean } = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, err.toBody(), options.close === true);
}

function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
