import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startWebServer, type WebServer } from './server';
import type { ServiceDoor } from '../../service/door';
import type { StudioEvent } from '../../service/contract';
import { ApiError } from '../../service/validate';

/** A service double that records calls: the server under test is transport only. */
function recordingService(): ServiceDoor & { calls: [string, unknown][]; emit(e: StudioEvent): void } {
  const listeners = new Set<(e: StudioEvent) => void>();
  const calls: [string, unknown][] = [];
  return {
    calls,
    async call(method, input) {
      calls.push([method, input]);
      if (method === 'runs.get') throw new ApiError('no run with id x', 'not-found');
      return { echo: method };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(server: WebServer, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

describe('web mode server', () => {
  const service = recordingService();
  let server: WebServer;
  const staticDir = mkdtempSync(join(tmpdir(), 'dlrm-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');

  beforeAll(async () => {
    server = await startWebServer(service, { staticDir, port: 0 });
  });
  afterAll(async () => server.close());

  const json = (token: string | null, extra: Record<string, string> = {}): Record<string, string> => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });

  it('binds 127.0.0.1 and prints a URL carrying a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
    expect(server.openUrl).toBe(`${server.url}/#token=${server.token}`);
  });

  it('refuses API calls without the token or with a wrong one', async () => {
    const none = await send(server, '/api/call/runs.list', { method: 'POST', headers: json(null), body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await send(server, '/api/call/runs.list', { method: 'POST', headers: json('x'.repeat(43)), body: '{}' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'unauthorized' });
    expect(service.calls.length).toBe(0);
  });

  it('refuses requests from other origins even with the token', async () => {
    const res = await send(server, '/api/call/runs.list', {
      method: 'POST',
      headers: json(server.token, { origin: 'http://evil.example' }),
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(service.calls.length).toBe(0);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await send(server, '/api/call/runs.list', {
      method: 'POST',
      headers: json(server.token, { host: `evil.example:${server.port}` }),
      body: '{}',
    });
    expect(res.status).toBe(403);
  });

  it('passes a valid call through and maps service errors to their status', async () => {
    const ok = await send(server, '/api/call/runs.list', {
      method: 'POST',
      headers: json(server.token, { origin: server.url }),
      body: '{"limit":5}',
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ echo: 'runs.list' });
    expect(service.calls.at(-1)).toEqual(['runs.list', { limit: 5 }]);
    const missing = await send(server, '/api/call/runs.get', { method: 'POST', headers: json(server.token), body: '{"id":"x"}' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'no run with id x', code: 'not-found' });
  });

  it('rejects malformed JSON and non-JSON bodies with a clear error', async () => {
    const bad = await send(server, '/api/call/runs.list', { method: 'POST', headers: json(server.token), body: '{nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not valid JSON/);
    const text = await send(server, '/api/call/runs.list', {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
  });

  it('serves the UI with a strict CSP and never files outside its folder', async () => {
    const index = await send(server, '/');
    expect(index.status).toBe(200);
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    const traversal = await send(server, '/../../etc/passwd');
    expect(traversal.status).toBe(404);
    const encoded = await send(server, '/%2e%2e/%2e%2e/etc/passwd');
    expect(encoded.status).toBe(404);
    // the two above are normalised to /etc/passwd by URL parsing already; encoded slashes survive
    // it and decode to ../ segments, which only the server's own guard stops
    const escaped = await send(server, '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd');
    expect(escaped.status).toBe(404);
    expect(escaped.body).not.toMatch(/root:/);
  });

  it('streams events to a client holding the token', async () => {
    const denied = await send(server, '/api/events');
    expect(denied.status).toBe(401);
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}` }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('run-status')) {
            req.destroy();
            resolve(text);
          }
        });
        setTimeout(() => service.emit({ type: 'run-status', runId: 'r1', status: 'finished', error: null }), 50);
      });
      req.on('error', (e) => (String(e).includes('socket hang up') ? undefined : reject(e)));
      req.end();
    });
    expect(received).toContain('"runId":"r1"');
  });
});
