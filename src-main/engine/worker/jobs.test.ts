/**
 * The worker's jobs, run in-process through the same handler table the worker thread dispatches on
 * (JOB_HANDLERS): what each emits, returns and writes, and that a cancel ends it as an AbortError.
 * The thread and its messages are exercised by the service tests (test/integration/service.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES, type StartRunInput } from '../../domain';
import { DEFAULT_SIMULATION, validateSimulationSpec } from '../sim';
import { JOB_HANDLERS } from './handlers';
import type { JobContext } from './protocol';
import type { SimulationJobEvent, TrainJobEvent, TrainJobPayload, TrainJobResult } from './job-types';
import type { ExplorePayload } from './explore-job';
import type { GeneratePayload, ScorePayload } from './tool-jobs';

const root = mkdtempSync(join(tmpdir(), 'dlrm-worker-jobs-'));
const cacheDir = join(root, 'cache');

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A job context that records events; abort() cancels like the main thread's 'cancel' message. */
function context(): JobContext & { events: unknown[]; abort(): void } {
  const controller = new AbortController();
  const events: unknown[] = [];
  return { events, emit: (event) => events.push(event), signal: controller.signal, abort: () => controller.abort() };
}

const input: StartRunInput = {
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 100 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.02, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 3000, seed: 4 },
  train: { batchSize: 64, epochs: 1, evalEvery: 10, seed: 4, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'cpu' },
};

function trainPayload(runDir: string, extra: Partial<TrainJobPayload> = {}): TrainJobPayload {
  return { runId: 'r1', input, runDir, cacheDir, resumeFrom: null, workerScript: join(root, 'no-helper.js'), ...extra };
}

describe('worker jobs', () => {
  const runDir = join(root, 'runs', 'r1');

  it('dispatches every kind the service starts', () => {
    for (const kind of ['train', 'simulate', 'explore', 'generate', 'bench', 'bench-component', 'evaluate', 'predict']) {
      expect(typeof JOB_HANDLERS[kind], kind).toBe('function');
    }
  });

  it('train: emits dataset, started, progress and eval in order, saves the model and what explore needs', async () => {
    const ctx = context();
    const result = (await JOB_HANDLERS['train']!(trainPayload(runDir), ctx)) as TrainJobResult;
    expect(result.status).toBe('finished');
    expect(result.paused).toBe(false);
    expect(result.test?.auc).toBeGreaterThan(0.5);
    const types = (ctx.events as TrainJobEvent[]).map((e) => e.type).filter((t) => t !== 'preparing');
    expect(types.indexOf('dataset')).toBeLessThan(types.indexOf('started'));
    expect(types.indexOf('started')).toBeLessThan(types.indexOf('progress'));
    expect(types).toContain('eval');
    expect(types.at(-1)).toBe('artifact');
    const steps = (ctx.events as TrainJobEvent[]).flatMap((e) => (e.type === 'progress' ? [e.step] : []));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(result.step);
    for (const file of [RUN_FILES.model, RUN_FILES.preprocessing, RUN_FILES.stats]) expect(existsSync(join(runDir, file)), file).toBe(true);
  });

  it('train: a cancel ends the job with an AbortError', async () => {
    const ctx = context();
    const job = JOB_HANDLERS['train']!(trainPayload(join(root, 'runs', 'r2'), { input: { ...input, dataset: { kind: 'synthetic', rows: 50_000, seed: 5 } } }), ctx);
    ctx.abort();
    await expect(job).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('evaluate and predict score with the saved model', async () => {
    const ctx = context();
    const evaluated = (await JOB_HANDLERS['evaluate']!({ runId: 'r1', runDir, cacheDir } satisfies ScorePayload, ctx)) as { rows: number; metrics: { auc: number | null } };
    expect(evaluated.rows).toBeGreaterThan(0);
    expect(evaluated.metrics.auc).toBeGreaterThan(0.5);
    const path = join(root, 'generated.tsv');
    const generated = (await JOB_HANDLERS['generate']!({ path, rows: 40, seed: 2 } satisfies GeneratePayload, ctx)) as { rows: number };
    expect(generated.rows).toBe(40);
    const outPath = join(root, 'scores.txt');
    const predicted = (await JOB_HANDLERS['predict']!({ runId: 'r1', runDir, cacheDir, path, outPath } satisfies ScorePayload, ctx)) as { rows: number };
    expect(predicted.rows).toBe(40);
    const scores = readFileSync(outPath, 'utf8').trim().split('\n').map(Number);
    expect(scores).toHaveLength(40);
    expect(scores.every((p) => p > 0 && p < 1)).toBe(true);
  });

  it('explore: neighbours of a row on the saved tables', async () => {
    const payload: ExplorePayload = { op: 'neighbors', input: { runId: 'r1', table: 0, id: 1, k: 4, metric: 'cosine' }, runDir, cacheDir };
    const neighbors = (await JOB_HANDLERS['explore']!(payload, context())) as { id: number; distance: number }[];
    expect(neighbors).toHaveLength(4);
    expect(neighbors.map((n) => n.id)).not.toContain(1);
    expect(neighbors.map((n) => n.distance)).toEqual([...neighbors.map((n) => n.distance)].sort((a, b) => a - b));
  });

  it('simulate: one round event per policy and round, progress rising to 1', async () => {
    const spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, users: 20, items: 30, topics: 3, rounds: 3, slateSize: 3, newItemsPerRound: 0, retrainEvery: 2, startupRounds: 1, policies: [{ kind: 'random' }, { kind: 'popularity' }] });
    const ctx = context();
    const result = (await JOB_HANDLERS['simulate']!({ spec }, ctx)) as { roundsCompleted: number };
    expect(result.roundsCompleted).toBe(3);
    const rounds = ctx.events as SimulationJobEvent[];
    expect(rounds).toHaveLength(6);
    expect(new Set(rounds.map((e) => e.policy))).toEqual(new Set(['random', 'popularity']));
    const progress = rounds.map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
  });
});
