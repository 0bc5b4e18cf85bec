/**
 * Issue #13: evaluating or scoring a file that is not Criteo data is the user's mistake, answered as
 * a 400 that names the file and quotes none of it (it was a 500 carrying the file's first line).
 * Runs the real worker (out/main/train-worker.js) on a tiny trained run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudioService, type StudioService } from '../../src-main/service/create';
import { ApiError } from '../../src-main/service/validate';
import type { RunDetail } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';

const workerDir = join(repoRoot, 'out/main');
const root = mkdtempSync(join(tmpdir(), 'dlrm-score-errors-'));
let service: StudioService;
let runId = '';

async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

beforeAll(async () => {
  expect(existsSync(join(workerDir, 'train-worker.js')), 'out/main is missing: run `npm run build` first').toBe(true);
  mkdirSync(join(root, 'data'));
  service = await createStudioService({ door: 'web', workerDir, dataDir: join(root, 'data'), allowedDirs: [root] });
  const started = (await service.call('runs.start', {
    model: { kind: 'lr', embeddingDim: 4, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 200 },
    optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1 },
    dataset: { kind: 'synthetic', rows: 2000, seed: 1 },
    train: { batchSize: 256, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0.01, checkpointEvery: 0, threads: 1, backend: 'cpu' },
  })) as { id: string };
  runId = started.id;
  for (let i = 0; i < 600; i++) {
    const run = (await service.call('runs.get', { id: runId })) as RunDetail;
    if (run.status === 'finished') return;
    if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`the fixture run ended ${run.status}: ${run.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the fixture run did not finish in 120 s');
});

afterAll(async () => {
  await service?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('scoring a file that is not Criteo data', () => {
  it('runs.evaluate on a text file of secrets: 400 naming the file, none of its contents', async () => {
    const secret = join(root, 'shadow');
    writeFileSync(secret, Array.from({ length: 40 }, (_, i) => `user${i}:$6$saltsalt$hashhashhash${i}:19000:0:99999:7:::`).join('\n'));
    // Each call starts only when awaited: a second promise made up front could reject unhandled meanwhile.
    const calls = [() => service.call('runs.evaluate', { id: runId, path: secret }), () => service.call('runs.predict', { id: runId, path: secret, outPath: join(root, 'p.txt') })];
    for (const call of calls) {
      const error = await refusal(call());
      expect(error.code).toBe('bad-request');
      expect(error.message).toContain(secret);
      expect(error.message).toMatch(/line 1, label/);
      expect(error.message).not.toMatch(/saltsalt|hashhash|user0/);
    }
    expect(existsSync(join(root, 'p.txt'))).toBe(false);
  });

  it('a binary file, a folder and a missing file: 400s with plain messages', async () => {
    const binary = join(root, 'blob.bin');
    writeFileSync(binary, Buffer.alloc(5000, 0));
    const cases: [string, RegExp][] = [
      [binary, /looks binary/],
      [join(root, 'data'), /is a folder/],
      [join(root, 'missing.tsv'), /no file at/],
    ];
    for (const [path, pattern] of cases) {
      const error = await refusal(service.call('runs.evaluate', { id: runId, path }));
      expect(error.code).toBe('bad-request');
      expect(error.message).toMatch(pattern);
      expect(error.message).toContain(path);
      expect(error.message).not.toMatch(/ENOENT|EISDIR|EACCES/);
    }
  });
});
