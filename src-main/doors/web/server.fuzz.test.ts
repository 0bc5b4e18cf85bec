/**
 * Fuzz of web mode (issue #13): malformed API requests against the real server and the real
 * service (a fresh database, no worker: a request that slipped past validation into a job would
 * fail as a 5xx and be caught here). Every request is malformed by construction and must get a
 * 4xx whose JSON body carries a message, never a 5xx, a reset, raw system error text or a stack.
 *
 * Rerun with another seed or more requests:
 *   DLRM_FUZZ_SEED=123 DLRM_FUZZ_REQUESTS=5000 npx vitest run src-main/doors/web/server.fuzz.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { Rng } from '../../engine/random/rng';
import { createStudioService, type StudioService } from '../../service/create';
import { startWebServer, type WebServer } from './server';

const SEED = Number(process.env['DLRM_FUZZ_SEED'] ?? 20261202);
const REQUESTS = Number(process.env['DLRM_FUZZ_REQUESTS'] ?? 500);
const MAX_BODY = 256 * 1024;

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Accepted statuses (all 4xx). */
  expect: readonly number[];
}

interface Reply {
  status: number;
  body: string;
}

const ANY_4XX = Array.from({ length: 100 }, (_, i) => 400 + i);

/** Values no field accepts: an object with an unknown key, a mixed array. */
const NEVER_VALID: unknown[] = [{ x_bad: 1 }, [1, 'a', null, {}], { x_bad: { deeper: [true] } }];
/** Field names the methods know, to put wrong values under. */
const KNOWN_FIELDS = ['id', 'ids', 'path', 'outPath', 'rows', 'seed', 'limit', 'json', 'model', 'dataset', 'train', 'optimizer', 'runId', 'table', 'k', 'name', 'tags', 'status', 'text', 'overwrite', 'kind', 'batchSizes', 'seconds', 'presets', 'base', 'models', 'names', 'maxPoints', 'notes', 'users', 'items', 'policies', 'method', 'points', 'row', 'feature'];
const BAD_JSON = ['{', '{"a":', 'nul', '[1,2', '{"id":"x"', '{"a":1}}', "{'a':1}", '{"a":undefined}', '\u0000', '{"a":"\\x"}', '--', '{"a" 1}', '[' .repeat(3000), '{"a":[}', 'NaN', '0x10'];
const NON_OBJECTS = ['42', '"text"', '[1,2]', 'true', '-0', '[]', '"{}"', '1e400'];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function junkString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rng.int(rng.uniform() < 0.9 ? 128 : 0xd7ff));
  return s;
}

function generate(rng: Rng, methods: readonly string[], token: string, port: number): FuzzRequest {
  const api = (method: string): string => `/api/call/${method}`;
  const json = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const roll = rng.int(5);
  if (roll === 0) {
    return { kind: 'bad JSON', method: 'POST', path: api(pick(rng, methods)), headers: json, body: rng.uniform() < 0.2 ? junkString(rng, 1 + rng.int(200)) + '{' : pick(rng, BAD_JSON), expect: [400] };
  }
  if (roll === 1) {
    return { kind: 'not an object', method: 'POST', path: api(pick(rng, methods)), headers: json, body: pick(rng, NON_OBJECTS), expect: [400] };
  }
  if (roll === 2) {
    const input: Record<string, unknown> = {};
    const keys = 1 + rng.int(3);
    for (let i = 0; i < keys; i++) input[`x_${junkString(rng, 1 + rng.int(8)).replace(/[^a-z0-9]/gi, 'q')}`] = rng.uniform() < 0.5 ? junkString(rng, rng.int(50)) : rng.int(1000) - 500;
    return { kind: 'unknown field', method: 'POST', path: api(pick(rng, methods)), headers: json, body: JSON.stringify(input), expect: [400] };
  }
  if (roll === 3) {
    const input: Record<string, unknown> = {};
    const fields = 1 + rng.int(3);
    for (let i = 0; i < fields; i++) input[pick(rng, KNOWN_FIELDS)] = pick(rng, NEVER_VALID);
    return { kind: 'wrong value', method: 'POST', path: api(pick(rng, methods)), headers: json, body: JSON.stringify(input), expect: [400, 404, 409] };
  }
  // transport-level mistakes
  const method = pick(rng, methods);
  const cases: (() => FuzzRequest)[] = [
    () => ({ kind: 'HTTP method', method: pick(rng, ['GET', 'PUT', 'DELETE', 'PATCH']), path: api(method), headers: json, body: '{}', expect: [405] }),
    () => ({ kind: 'no token', method: 'POST', path: api(method), headers: { 'content-type': 'application/json' }, body: '{}', expect: [401] }),
    () => ({ kind: 'wrong token', method: 'POST', path: api(method), headers: { ...json, authorization: `Bearer ${junkString(rng, 43).replace(/[^A-Za-z0-9]/g, 'x')}` }, body: '{}', expect: [401] }),
    () => ({ kind: 'content type', method: 'POST', path: api(method), headers: { ...json, 'content-type': pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) }, body: '{}', expect: [415] }),
    () => ({ kind: 'bad escape', method: 'GET', path: pick(rng, ['/%', '/%zz', '/%E0%A4%A', '/a%', '/%%', '/%00', '/assets/%c0%af']), headers: {}, expect: [400, 404] }),
    () => ({ kind: 'unknown endpoint', method: 'POST', path: pick(rng, ['/api/call/', '/api/call/a.b.c', '/api/call/.x', '/api/', `/api/call/${method}/x`, '/api/call/nothing.here']), headers: json, body: '{}', expect: [404] }),
    () => ({ kind: 'traversal', method: 'GET', path: pick(rng, ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fpackage.json', '/..%5c..%5cetc']), headers: {}, expect: [404] }),
    () => ({ kind: 'foreign origin', method: 'POST', path: api(method), headers: { ...json, origin: 'http://evil.example' }, body: '{}', expect: [403] }),
    () => ({ kind: 'foreign host', method: 'POST', path: api(method), headers: { ...json, host: `evil.example:${port}` }, body: '{}', expect: [403] }),
    () => ({ kind: 'oversized', method: 'POST', path: api(method), headers: { ...json, 'content-length': String(MAX_BODY + 1 + rng.int(1e9)), expect: '100-continue' }, expect: [413] }),
    () => ({ kind: 'oversized streamed', method: 'POST', path: api(method), headers: json, body: '{"a":"' + 'x'.repeat(MAX_BODY + rng.int(MAX_BODY)) + '"}', expect: [413] }),
  ];
  return pick(rng, cases)();
}

function send(server: WebServer, r: FuzzRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // a body always goes with its length (Node sends a GET's body raw otherwise, as a second request)
    const headers = { host: `127.0.0.1:${server.port}`, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}), ...r.headers };
    const req = request({ host: '127.0.0.1', port: server.port, method: r.method, path: r.path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (r.headers['content-length'] !== undefined) {
      // declared but never sent: the answer must come before the body
      req.flushHeaders();
      return;
    }
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

describe(`web mode fuzz: ${REQUESTS} malformed API requests (DLRM_FUZZ_SEED=${SEED})`, () => {
  const root = mkdtempSync(join(tmpdir(), 'dlrm-api-fuzz-'));
  const staticDir = join(root, 'static');
  let service: StudioService;
  let server: WebServer;

  beforeAll(async () => {
    service = await createStudioService({ door: 'web', workerDir: join(root, 'no-worker'), dataDir: join(root, 'data') });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    server = await startWebServer(service, { staticDir, port: 0, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await server.close();
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every one with a 4xx and a message; never a 5xx, a reset or raw system text', async () => {
    const methods = service.methodNames();
    const byKind = new Map<string, number>();
    for (let index = 0; index < REQUESTS; index++) {
      const rng = new Rng(SEED * 1000003 + index);
      const r = generate(rng, methods, server.token, server.port);
      const where = `seed ${SEED}, request ${index} (${r.kind}: ${r.method} ${r.path.slice(0, 60)} ${String(r.body ?? '').slice(0, 80)})`;
      const reply = await send(server, r).catch((e: unknown) => ({ status: -1, body: String(e) }));
      expect(reply.status, `${where} -> ${reply.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(reply.status, `${where} -> ${reply.body.slice(0, 300)}`).toBeLessThan(500);
      expect(r.expect.length === 0 ? ANY_4XX : r.expect, `${where} -> ${reply.status} ${reply.body.slice(0, 300)}`).toContain(reply.status);
      const body = JSON.parse(reply.body) as { error?: unknown; code?: unknown };
      expect(typeof body.error === 'string' && body.error.length > 0, where).toBe(true);
      expect(reply.body, where).not.toMatch(/\bE[A-Z]{3,}:|\n\s+at /);
      byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    }
    // still serving, and nothing slipped into the database
    const list = await send(server, { kind: 'check', method: 'POST', path: '/api/call/runs.list', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: '{}', expect: [200] });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual([]);
    console.log(`web mode fuzz (seed ${SEED}): ${REQUESTS} requests, all 4xx with a message, 0 5xx; ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  });
});
