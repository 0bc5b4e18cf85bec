/**
 * Issue #15 through the service (the built worker, out/main, on a real SQLite file): a quotient-remainder
 * run and a mixed-dimension run train to the end beside a full-table run on the same data, hold fewer
 * parameters and save smaller model files, and 'explore.project' lays out one point per seen row of a
 * feature's logical table (the same rows as the full run's) with finite coordinates; so does a run with
 * fp16 table storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import type { ProjectionResult, RunDetail, StartRunInput } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';

const HASH_SIZE = 500;
const DIM = 8;
const full: StartRunInput = {
  name: 'full tables',
  model: { kind: 'dlrm', embeddingDim: DIM, bottomMlp: `13-16-${DIM}`, topMlp: '32-1', interaction: 'dot', hashSize: HASH_SIZE },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 8000, seed: 3 },
  train: { batchSize: 256, epochs: 1, evalEvery: 0, seed: 5, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};
/** m = 23 remainder rows: ceil(500 / 23) = 22 quotient rows, 45 stored rows a feature instead of 500. */
const qr: StartRunInput = { ...full, name: 'qr tables', model: { ...full.model, compression: { kind: 'qr', remainderRows: 23, combine: 'product' } } };
/** The hottest 10% of rows at D = 8, the others at 2 columns projected up to D. */
const mixed: StartRunInput = { ...full, name: 'mixed-dim tables', model: { ...full.model, compression: { kind: 'mixed-dim', hotShare: 0.1, coldDim: 2 } } };
/** Full tables stored as fp16 (float32 arithmetic): the same parameters, half the table bytes in memory. */
const half: StartRunInput = { ...full, name: 'fp16 tables', model: { ...full.model, tablePrecision: 'fp16' } };

let root: string;
let service: StudioService;

async function finished(id: string): Promise<RunDetail> {
  for (let i = 0; i < 1800; i++) {
    const detail = (await service.call('runs.get', { id })) as RunDetail;
    if (detail.status !== 'queued' && detail.status !== 'running') return detail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not end in 180 s`);
}

async function train(input: StartRunInput): Promise<RunDetail> {
  const detail = await finished(((await service.call('runs.start', input)) as { id: string }).id);
  expect(detail.status, `${input.name}: ${detail.error ?? ''}`).toBe('finished');
  return detail;
}

function modelFileBytes(run: RunDetail): number {
  const model = run.artifacts.find((a) => a.kind === 'model');
  expect(model, `${run.name} saved no model file`).toBeDefined();
  return model!.bytes;
}

/** PCA of feature C1's rows, asking for more points than the table has rows (so every seen row comes back). */
function project(runId: string): Promise<ProjectionResult> {
  return service.call('explore.project', { runId, table: 0, method: 'pca', dims: 2, maxPoints: 2 * HASH_SIZE, seed: 1 }) as Promise<ProjectionResult>;
}

describe('compressed tables trained and explored through the service', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dlrm-compression-run-'));
    service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(repoRoot, 'out/main'), dataDir: join(root, 'data') });
  });
  afterAll(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('QR and mixed-dim runs finish with fewer parameters and smaller model files; they and an fp16 run project every seen row', async () => {
    const fullRun = await train(full);
    const qrRun = await train(qr);
    const mixedRun = await train(mixed);
    const halfRun = await train(half);

    // the MLPs are alike, so the parameter counts differ by the tables alone
    expect(fullRun.paramCount! - qrRun.paramCount!).toBe(26 * (HASH_SIZE - (22 + 23)) * DIM);
    expect(mixedRun.paramCount!).toBeLessThan(fullRun.paramCount!);
    // mixed-dim keeps at least its 50 hot rows at D a feature
    expect(mixedRun.paramCount! - (fullRun.paramCount! - 26 * HASH_SIZE * DIM)).toBeGreaterThan(26 * 50 * DIM);
    expect(modelFileBytes(qrRun)).toBeLessThan(modelFileBytes(fullRun));
    expect(modelFileBytes(mixedRun)).toBeLessThan(modelFileBytes(fullRun));
    expect(halfRun.paramCount).toBe(fullRun.paramCount);
    // fp16 tables are saved as their 16-bit numbers: the file is smaller by half the tables' float32 bytes
    const tableBytes = 26 * HASH_SIZE * DIM * 4;
    expect(modelFileBytes(fullRun) - modelFileBytes(halfRun)).toBeGreaterThan(tableBytes / 2 - 1024);
    // evaluated at the end without diverging (8,000 rows is too few to rank the kinds by AUC: see `bench compression`)
    for (const run of [qrRun, mixedRun, halfRun]) {
      expect(run.test.auc, `${run.name} test AUC`).toBeGreaterThanOrEqual(0);
      expect(run.test.auc, `${run.name} test AUC`).toBeLessThanOrEqual(1);
      expect(Number.isFinite(run.test.logLoss), `${run.name} test log loss ${run.test.logLoss}`).toBe(true);
    }

    const fullProjection = await project(fullRun.id);
    const seenRows = fullProjection.points.map((p) => p.id).sort((a, b) => a - b);
    expect(seenRows.length).toBeGreaterThan(HASH_SIZE / 2);
    for (const run of [qrRun, mixedRun, halfRun]) {
      const projection = await project(run.id);
      expect(projection.runId).toBe(run.id);
      const ids = projection.points.map((p) => p.id).sort((a, b) => a - b);
      // one point per row of C1's logical table that the data filled: distinct ids, the full run's rows
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(seenRows);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < HASH_SIZE)).toBe(true);
      for (const point of projection.points) {
        expect(point.coords).toHaveLength(2);
        expect(point.coords.every(Number.isFinite), `${run.name} row ${point.id}`).toBe(true);
      }
      // the rows are laid out, not stacked on one spot
      const xs = projection.points.map((p) => p.coords[0]!);
      expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(0);
    }
  });
});
