/**
 * Issue #13, web server: method and size are checked before a body is read, an oversized body is a
 * 413 (never 100 Continue and then a reset), every malformed request is a 4xx with a message, and no
 * raw system error text leaves the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startWebServer, type WebServer } from './server';
import type { ServiceDoor } from '../../service/door';
import { ApiError } from '../../service/validate';

const METHODS = ['runs.list', 'data.generate'];

/** A service double: knows two methods; data.generate fails the way a file-system call does. */
function service(): ServiceDoor & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hasMethod: (method) => METHODS.includes(method),
    async call(method) {
      calls.push(method);
      if (!METHODS.includes(method)) throw new ApiError(`unknown method "${method}"`, 'not-found');
      if (method === 'data.generate') {
        const error = new Error("EISDIR: illegal operation on a directory, open '/tmp'") as NodeJS.ErrnoException;
        error.code = 'EISDIR';
        error.path = '/tmp';
        throw error;
      }
      return [];
    },
    onEvent: () => () => undefined,
  };
}

/** Sends raw request bytes and resolves with whatever the server answers before closing (or 2 s). */
function raw(server: WebServer, head: string, body = ''): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    const done = (): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const final = answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      if (final.includes('\r\n\r\n')) {
        const length = /content-length: (\d+)/i.exec(final);
        const bodyStart = final.indexOf('\r\n\r\n') + 4;
        if (length && final.length - bodyStart >= Number(length[1])) done();
      }
    });
    socket.on('error', () => done());
    socket.on('close', () => done());
    setTimeout(done, 2000);
    socket.write(head + body);
  });
}

describe('web server limits and malformed requests', () => {
  const double = service();
  let server: WebServer;
  const staticDir = mkdtempSync(join(tmpdir(), 'dlrm-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  const maxBodyBytes = 1024 * 1024;

  beforeAll(async () => {
    server = await startWebServer(double, { staticDir, port: 0, maxBodyBytes });
  });
  afterAll(async () => server.close());

  const head = (path: string, extra: string[] = [], method = 'POST'): string =>
    [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, `Authorization: Bearer ${server.token}`, 'Content-Type: application/json', ...extra, '', ''].join('\r\n');

  it('a declared oversized body with Expect: 100-continue gets 413, not 100 Continue', async () => {
    const answer = await raw(server, head('/api/call/runs.list', [`Content-Length: ${maxBodyBytes + 1}`, 'Expect: 100-continue']));
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).not.toMatch(/100 Continue/);
    expect(answer).toMatch(/larger than/);
  });

  it('a declared oversized body without Expect gets 413 before it is sent', async () => {
    const answer = await raw(server, head('/api/call/runs.list', [`Content-Length: ${maxBodyBytes + 1}`]));
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });

  it('a chunked body that grows past the limit gets 413', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n';
    const answer = await raw(server, head('/api/call/runs.list', ['Transfer-Encoding: chunked']), chunks);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });

  it('an unknown method is refused before its body is read', async () => {
    const answer = await raw(server, head('/api/call/nothing.here', [`Content-Length: ${maxBodyBytes - 1}`, 'Expect: 100-continue']));
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(answer).not.toMatch(/100 Continue/);
    expect(double.calls).not.toContain('nothing.here');
  });

  it('a known method with a small body is still served (100 Continue then 200)', async () => {
    const answer = await raw(server, head('/api/call/runs.list', ['Content-Length: 2', 'Expect: 100-continue']), '{}');
    expect(answer).toMatch(/HTTP\/1\.1 200/);
  });

  it('GET /% and other bad percent-encoding are 400 with a message, not 500', async () => {
    for (const path of ['/%', '/%zz', '/assets/%E0%A4%A', '/api/call/%']) {
      const answer = await raw(server, head(path, [], 'GET'));
      expect(answer, path).toMatch(/^HTTP\/1\.1 4\d\d/);
      expect(answer, path).toMatch(/"error":"[^"]+"/);
    }
  });

  it('a wrong HTTP method is 405 and an unknown path 404, both with a message', async () => {
    const put = await raw(server, head('/api/call/runs.list', ['Content-Length: 2'], 'PUT'), '{}');
    expect(put).toMatch(/^HTTP\/1\.1 405/);
    const del = await raw(server, head('/index.html', [], 'DELETE'));
    expect(del).toMatch(/^HTTP\/1\.1 405/);
    const missing = await raw(server, head('/api/nothing', ['Content-Length: 0']));
    expect(missing).toMatch(/^HTTP\/1\.1 404/);
  });

  it('a file-system error from the service is answered without its raw system text', async () => {
    const answer = await raw(server, head('/api/call/data.generate', ['Content-Length: 2']), '{}');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('/tmp');
    expect(answer).not.toMatch(/EISDIR|illegal operation/);
  });
});
