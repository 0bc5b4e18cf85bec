/**
 * The service every door calls, against a real SQLite file in a temporary folder and the built
 * worker (out/main/train-worker.js): every method refuses a malformed input with a bad-request that
 * names the field, before any work starts, and every method has one happy path. The table is keyed
 * by MethodName, so a new contract method without a row here does not compile (and the runtime check
 * against the service's own method list fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import { ApiError } from '../../src-main/service/validate';
import type { MethodName, RunStatus, StartRunInput, StudioEvent } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';

const workerDir = join(repoRoot, 'out/main');
const sample = join(repoRoot, '../shared/data/criteo-samples/pytorchfm_jqsl2012_criteo_train.txt');

/**
 * For each method: an input it must refuse, and the field the refusal must name. (Partial so that a
 * method being added elsewhere does not break the build; the first test fails until it has a row.)
 */
const REFUSALS: Partial<Record<MethodName, { input: unknown; field: string }>> = {
  'app.info': { input: { verbose: true }, field: 'verbose' },
  'presets.list': { input: { name: 'x' }, field: 'name' },
  'model.check': { input: {}, field: 'model' },
  'model.shardingPlan': { input: { model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-4', topMlp: '1', interaction: 'dot', hashSize: 10 }, optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' }, batchSize: 0 }, field: 'batchSize' },
  'jobs.exportTorch': { input: { outDir: '/tmp/x' }, field: 'id' },
  'jobs.followTorch': { input: { dir: 7 }, field: 'dir' },
  'model.plan': { input: { model: { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-16', topMlp: '1', hashSize: 100 }, batchSize: 0 }, field: 'batchSize' },
  'dataset.preview': { input: { path: 7 }, field: 'path' },
  'runs.list': { input: { limit: 'ten' }, field: 'limit' },
  'runs.get': { input: { id: 5 }, field: 'id' },
  'runs.metrics': { input: { ids: 'a' }, field: 'ids' },
  'runs.start': { input: {}, field: 'model' },
  'sweeps.start': { input: null, field: 'input' },
  'sweeps.list': { input: { all: true }, field: 'all' },
  'sweeps.get': { input: {}, field: 'id' },
  'sweeps.cancel': { input: {}, field: 'id' },
  'sweeps.resume': { input: {}, field: 'id' },
  'runs.cancel': { input: {}, field: 'id' },
  'runs.resume': { input: {}, field: 'id' },
  'runs.update': { input: {}, field: 'id' },
  'runs.delete': { input: {}, field: 'ids' },
  'runs.export': { input: {}, field: 'ids' },
  'runs.exportCsv': { input: {}, field: 'ids' },
  'runs.import': { input: {}, field: 'json' },
  'runs.compareModels': { input: null, field: 'input' },
  'explore.project': { input: {}, field: 'runId' },
  'explore.neighbors': { input: {}, field: 'runId' },
  'explore.heatmap': { input: {}, field: 'runId' },
  'explore.importance': { input: {}, field: 'runId' },
  'explore.recommend': { input: {}, field: 'runId' },
  'explore.crossLayers': { input: {}, field: 'runId' },
  'runs.evaluate': { input: {}, field: 'id' },
  'runs.predict': { input: {}, field: 'id' },
  'data.generate': { input: {}, field: 'path' },
  'bench.train': { input: {}, field: 'batchSizes' },
  'bench.component': { input: {}, field: 'kind' },
  'sim.start': { input: { users: -1 }, field: 'users' },
  'sim.cancel': { input: {}, field: 'id' },
  'sim.list': { input: { id: 5 }, field: 'id' },
  'sim.get': { input: {}, field: 'id' },
  'sim.policies': { input: { id: 5 }, field: 'id' },
  'sim.antidote': { input: { budgets: [0.05, 0] }, field: 'budgets[1]' },
  'sim.mfTie': { input: { factors: 0 }, field: 'factors' },
  'runs.compareCollaborative': { input: { base: {}, userField: 0, itemField: 1, bogus: 1 }, field: 'bogus' },
  'sim.delete': { input: {}, field: 'id' },
};

const tiny: StartRunInput = {
  name: 'service test',
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 200 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 2000, seed: 1 },
  train: { batchSize: 64, epochs: 1, evalEvery: 10, seed: 1, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

let root: string;
let service: StudioService;
const events: StudioEvent[] = [];

/** Resolves when the run's stored status is final (polls the service: what a door would see). */
async function settled(id: string, timeoutMs = 120_000): Promise<RunStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const detail = await service.call('runs.get', { id });
    const status = (detail as { status: RunStatus }).status;
    if (status !== 'queued' && status !== 'running') return status;
    if (Date.now() > end) throw new Error(`run ${id} still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function settledSimulation(id: string): Promise<string> {
  const end = Date.now() + 120_000;
  for (;;) {
    const { status } = (await service.call('sim.get', { id })) as { status: string };
    if (status !== 'queued' && status !== 'running') return status;
    if (Date.now() > end) throw new Error(`simulation ${id} still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(() => {
  expect(existsSync(join(workerDir, 'train-worker.js')), 'run `npx electron-vite build` first').toBe(true);
  root = mkdtempSync(join(tmpdir(), 'dlrm-service-'));
  service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir, dataDir: root });
  service.onEvent((event) => events.push(event));
});

afterAll(async () => {
  await service?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('service: validation of every method', () => {
  it('has a refusal case for every method the service answers', () => {
    const missing = service.methodNames().filter((name) => !(name in REFUSALS));
    expect(missing, 'methods without a row in REFUSALS (test/integration/service.test.ts)').toEqual([]);
    expect(Object.keys(REFUSALS).filter((name) => !service.methodNames().includes(name))).toEqual([]);
  });

  it.each(Object.entries(REFUSALS).map(([method, refusal]) => [method, refusal!] as const))('%s refuses a malformed input and names the field', async (method, { input, field }) => {
    const error = await service.call(method, input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('bad-request');
    expect((error as ApiError).field).toBe(field);
    expect((error as ApiError).message).toContain(field);
  });

  it('an unknown method is not-found, and a missing run is not-found by id', async () => {
    await expect(service.call('runs.nope', {})).rejects.toMatchObject({ code: 'not-found' });
    await expect(service.call('runs.get', { id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('service: one happy path per method', () => {
  let runId = '';

  it('app.info, presets.list, model.check, dataset.preview answer without a worker', async () => {
    const info = (await service.call('app.info', {})) as { door: string; backends: { name: string }[] };
    expect(info.door).toBe('cli');
    expect(info.backends.map((b) => b.name)).toContain('wasm');
    const presets = (await service.call('presets.list', {})) as { name: string }[];
    expect(presets.length).toBeGreaterThan(0);
    const check = (await service.call('model.check', { model: tiny.model })) as { ok: boolean; paramCount: number };
    expect(check.ok).toBe(true);
    expect(check.paramCount).toBeGreaterThan(26 * 200 * 4);
    const plan = (await service.call('model.plan', { model: tiny.model, batchSize: tiny.train.batchSize })) as { tableBytes: number; fits: boolean };
    expect(plan.tableBytes).toBe(26 * tiny.model.hashSize * tiny.model.embeddingDim * 4);
    expect(plan.fits).toBe(true);
    const preview = (await service.call('dataset.preview', { path: sample, rows: 5 })) as { rows: unknown[] };
    expect(preview.rows).toHaveLength(5);
  });

  it('runs.start trains to the end; runs.list, runs.get and runs.metrics show it', async () => {
    ({ id: runId } = (await service.call('runs.start', tiny)) as { id: string });
    expect(await settled(runId)).toBe('finished');
    expect(events.some((e) => e.type === 'run-status' && e.runId === runId && e.status === 'finished')).toBe(true);
    const list = (await service.call('runs.list', {})) as { id: string }[];
    expect(list.map((r) => r.id)).toContain(runId);
    const detail = (await service.call('runs.get', { id: runId })) as { name: string; test: { auc: number | null } | null };
    expect(detail.name).toBe('service test');
    expect(detail.test?.auc).toBeGreaterThan(0);
    const series = (await service.call('runs.metrics', { ids: [runId], names: ['train/loss'] })) as { runId: string; name: string; step: number[]; value: (number | null)[] }[];
    expect(series.map((m) => [m.runId, m.name])).toEqual([[runId, 'train/loss']]);
    expect(series[0].step.length).toBeGreaterThan(0);
    expect(series[0].value.length).toBe(series[0].step.length);
  });

  it('runs.update, runs.export, runs.exportCsv, runs.import round-trip what was stored', async () => {
    const updated = (await service.call('runs.update', { id: runId, name: 'renamed', tags: ['a'], notes: 'n' })) as { name: string; tags: string[] };
    expect(updated).toMatchObject({ name: 'renamed', tags: ['a'] });
    const { json } = (await service.call('runs.export', { ids: [runId] })) as { json: string };
    expect(JSON.parse(json)).toBeTruthy();
    const { csv } = (await service.call('runs.exportCsv', { ids: [runId] })) as { csv: string };
    expect(csv).toContain(runId);
    expect(csv).toContain('renamed');
    const { ids } = (await service.call('runs.import', { json })) as { ids: string[] };
    expect(ids).toHaveLength(1);
    const imported = (await service.call('runs.get', { id: ids[0] })) as { name: string };
    expect(imported.name).toContain('renamed');
  });

  it('runs.evaluate and runs.predict score a file with the trained model', async () => {
    const evaluated = (await service.call('runs.evaluate', { id: runId, path: sample })) as { rows: number; metrics: { auc: number | null } };
    expect(evaluated.rows).toBeGreaterThan(100);
    const outPath = join(root, 'scores.txt');
    const predicted = (await service.call('runs.predict', { id: runId, path: sample, outPath })) as { rows: number };
    expect(readFileSync(outPath, 'utf8').trim().split('\n')).toHaveLength(predicted.rows);
  });

  it('explore.* answer on the trained run', async () => {
    const projection = (await service.call('explore.project', { runId, table: 0, method: 'pca', dims: 2, maxPoints: 50 })) as { points: unknown[] };
    expect(projection.points.length).toBeGreaterThan(0);
    const neighbors = (await service.call('explore.neighbors', { runId, table: 0, id: 1, k: 3, metric: 'cosine' })) as unknown[];
    expect(neighbors).toHaveLength(3);
    const heatmap = (await service.call('explore.heatmap', { runId, sampleRows: 64 })) as { labels: string[] };
    expect(heatmap.labels.length).toBe(27);
    const importance = (await service.call('explore.importance', { runId, sampleRows: 200 })) as unknown[];
    expect(importance.length).toBeGreaterThan(0);
    const recommendations = (await service.call('explore.recommend', { runId, contextRow: 0, itemFeature: 2, k: 3 })) as unknown[];
    expect(recommendations.length).toBeGreaterThan(0);
    // cross layers exist only in DCN: a DLRM run is refused by name, not crashed on
    await expect(service.call('explore.crossLayers', { runId })).rejects.toThrow(/reads dcn runs/);
  });

  it('runs.compareModels, runs.cancel and runs.resume drive a group of runs', async () => {
    const base = { ...tiny, train: { ...tiny.train, checkpointEvery: 5 }, dataset: { kind: 'synthetic' as const, rows: 20_000, seed: 2 } };
    const { group, ids } = (await service.call('runs.compareModels', { base, models: [tiny.model, { ...tiny.model, kind: 'lr', embeddingDim: 1, bottomMlp: '', topMlp: '' }] })) as { group: string; ids: string[] };
    expect(ids).toHaveLength(2);
    expect(group.length).toBeGreaterThan(0);
    await expect(service.call('runs.cancel', { id: ids[0] })).resolves.toEqual({ ok: true });
    const cancelled = await settled(ids[0]);
    expect(['cancelled', 'finished']).toContain(cancelled);
    if (cancelled === 'cancelled') {
      const resumed = (await service.call('runs.resume', { id: ids[0] })) as { id: string };
      expect(await settled(resumed.id)).toBe('finished');
    }
    expect(await settled(ids[1])).toBe('finished');
  });

  it('runs.delete removes runs and their folders', async () => {
    const before = (await service.call('runs.list', {})) as { id: string }[];
    const { deleted } = (await service.call('runs.delete', { ids: [runId] })) as { deleted: number };
    expect(deleted).toBe(1);
    const after = (await service.call('runs.list', {})) as { id: string }[];
    expect(after.length).toBe(before.length - 1);
    expect(existsSync(join(root, 'runs', runId))).toBe(false);
  });

  it('sim.policies, sim.start, sim.get, sim.list, sim.cancel, sim.delete', async () => {
    const policies = (await service.call('sim.policies', {})) as { kind: string }[];
    expect(policies.map((p) => p.kind)).toContain('random');
    const spec = { users: 30, items: 40, topics: 3, rounds: 4, slateSize: 3, newItemsPerRound: 0, retrainEvery: 2, startupRounds: 1, policies: [{ kind: 'random' }, { kind: 'popularity' }] };
    const { id } = (await service.call('sim.start', spec)) as { id: string };
    expect(await settledSimulation(id)).toBe('finished');
    const detail = (await service.call('sim.get', { id })) as { metrics: Record<string, unknown[]> };
    expect(Object.keys(detail.metrics).sort()).toEqual(['popularity', 'random']);
    expect(detail.metrics['random']).toHaveLength(4);
    expect(((await service.call('sim.list', {})) as { id: string }[]).map((s) => s.id)).toContain(id);
    const long = (await service.call('sim.start', { ...spec, rounds: 1000, users: 2000, items: 2000 })) as { id: string };
    await expect(service.call('sim.cancel', { id: long.id })).resolves.toEqual({ ok: true });
    expect(await settledSimulation(long.id)).toBe('cancelled');
    await expect(service.call('sim.delete', { id })).resolves.toEqual({ ok: true });
    await expect(service.call('sim.get', { id })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('data.generate writes a synthetic Criteo file', async () => {
    const path = join(root, 'generated.tsv');
    const result = (await service.call('data.generate', { path, rows: 50, seed: 3 })) as { rows: number };
    expect(result.rows).toBe(50);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(50);
  });

  it('sweeps.start, sweeps.list, sweeps.get, sweeps.cancel, sweeps.resume', async () => {
    const spec = { name: 'lr sweep', base: tiny, parameters: [{ setting: 'learningRate', values: [0.01, 0.02] }], strategy: 'grid', trials: 2, seed: 1, metric: 'logLoss' };
    const { id } = (await service.call('sweeps.start', spec)) as { id: string };
    expect(((await service.call('sweeps.list', {})) as { id: string }[]).map((s) => s.id)).toContain(id);
    await expect(service.call('sweeps.cancel', { id })).resolves.toEqual({ ok: true });
    await service.sweepManager.settled(id);
    const resumed = (await service.call('sweeps.resume', { id })) as { id: string };
    expect(resumed.id).toBe(id);
    await service.sweepManager.settled(id);
    const detail = (await service.call('sweeps.get', { id })) as { trials: number; trialList: { state: string; runId: string | null }[] };
    expect(detail.trials).toBe(2);
    expect(detail.trialList.map((t) => t.state)).toEqual(['finished', 'finished']);
  });

  it('bench.train and bench.component measure and report rows', async () => {
    const rows = (await service.call('bench.train', { batchSizes: [32], seconds: 1, compareTorch: false, threads: 1, rounds: 1 })) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
    const figures = (await service.call('bench.component', { kind: 'preprocess', rows: 2000 })) as unknown[];
    expect(figures.length).toBeGreaterThan(0);
  });
});
