/**
 * Issue #15 at the service: 'bench.component' kind 'kaggle-scale' runs the whole benchmark in a worker
 * (small size here), relays its progress lines to stderr and leaves no generated file behind.
 * Needs `npx electron-vite build` first (the worker script).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import { ApiError } from '../../src-main/service/validate';
import { repoRoot } from '../support/browser';

const workerDir = join(repoRoot, 'out/main');
let root: string;
let service: StudioService;

beforeAll(() => {
  expect(existsSync(join(workerDir, 'train-worker.js')), 'run `npx electron-vite build` first').toBe(true);
  root = mkdtempSync(join(tmpdir(), 'dlrm-kaggle-scale-'));
  service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir, dataDir: root });
});

afterAll(async () => {
  await service?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Every file under dir (recursively). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe('bench.component kaggle-scale', () => {
  it('reports the three phases, relays progress with ETAs and deletes the generated file and cache', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let figures: Record<string, unknown>[];
    try {
      figures = (await service.call('bench.component', { kind: 'kaggle-scale', rows: 3000, steps: 4, batchSizes: [128] })) as Record<string, unknown>[];
    } finally {
      spy.mockRestore();
    }
    expect(figures).toHaveLength(1);
    const r = figures[0];
    expect(r['rows']).toBe(3000);
    expect(r['trainSteps']).toBe(4);
    expect(r['deleted']).toBe('true');
    expect(Number(r['prepareMBps'])).toBeGreaterThan(0);
    expect(Number(r['trainSamplesPerSec'])).toBeGreaterThan(0);
    const text = written.join('');
    for (const phase of ['generate:', 'prepare:', 'train:']) expect(text).toContain(phase);
    expect(text).toMatch(/ETA \d+ s/);
    expect(filesUnder(root).map((path) => path.slice(root.length)).filter((path) => path.includes('kaggle-scale'))).toEqual([]);
    expect(filesUnder(root).length).toBeGreaterThan(0); // the store's files: the walk does see the folder
  }, 180_000);

  it('refuses a bad step count, naming the field', async () => {
    const error = await service.call('bench.component', { kind: 'kaggle-scale', steps: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field).toBe('steps');
  });
});
