/**
 * The service's side of torch.distributed jobs: export a configuration as a job folder, start its
 * script with 2 gloo ranks, follow its metrics log as a tracked run while it trains, and, once it
 * has finished, find the trained weights imported as the run's model (Explore answers on it, and
 * scoring the test split with it gives the PyTorch model's test AUC). A copy of the output folder is
 * followed the same way after the fact.
 *
 * Needs the built worker (out/main, `npm run build`) and Python 3 with PyTorch and NumPy
 * (apt-get install -y python3-torch python3-numpy); FAILS with those instructions without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import type { RunStatus, StartRunInput, StudioEvent } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';
import { findTorchPython, TORCH_INSTALL_HINT } from '../support/torch-python';

const config: StartRunInput = {
  name: 'torch job source',
  model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '32-1', interaction: 'dot', hashSize: 300 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, sparseLearningRate: 0.1, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 12_000, seed: 3 },
  train: { batchSize: 256, epochs: 1, evalEvery: 20, seed: 5, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

let root: string;
let service: StudioService;
let python: string;
const events: StudioEvent[] = [];

async function settled(id: string, timeoutMs = 180_000): Promise<RunStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const detail = await service.call('runs.get', { id });
    const status = (detail as { status: RunStatus }).status;
    if (status === 'finished' || status === 'failed' || status === 'cancelled') return status;
    if (Date.now() > end) throw new Error(`run ${id} still ${status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('following a torch.distributed job', () => {
  beforeAll(() => {
    const found = findTorchPython();
    if (!found) throw new Error(TORCH_INSTALL_HINT);
    python = found;
    root = mkdtempSync(join(tmpdir(), 'dlrm-torch-follow-'));
    const dataDir = join(root, 'data');
    service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(repoRoot, 'out/main'), dataDir });
    service.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('tracks the job live, imports its weights, and follows a copied output folder', async () => {
    const dir = join(root, 'job');
    const exported = (await service.call('jobs.exportTorch', { config, outDir: dir, worldSize: 2 })) as { rows: { train: number; test: number }; plan: { tableOwner: number[] } };
    expect(exported.rows.train + exported.rows.test).toBeGreaterThan(10_000);
    // the planner balances 26 equal tables: 13 a rank
    expect(exported.plan.tableOwner.filter((r) => r === 0).length).toBe(13);
    // a plan that names a rank outside the world is refused, naming the field
    await expect(service.call('jobs.exportTorch', { config, outDir: join(root, 'bad'), worldSize: 2, tableOwner: [0, 2] })).rejects.toThrow(/tableOwner/);

    const child = spawn(python, [join(dir, 'train_dlrm_hybrid.py'), '--nproc', '2', '--threads', '1', '--progress-seconds', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const { id } = (await service.call('jobs.followTorch', { dir })) as { id: string };
    const status = await settled(id);
    expect(await exited, stderr).toBe(0);
    expect(status).toBe('finished');

    // live: progress and validation events reached the app while the job trained, before it ended
    const mine = events.filter((e) => 'runId' in e && e.runId === id);
    const firstProgress = mine.findIndex((e) => e.type === 'run-progress');
    const end = mine.findIndex((e) => e.type === 'run-status' && e.status === 'finished');
    expect(firstProgress).toBeGreaterThanOrEqual(0);
    expect(firstProgress).toBeLessThan(end);
    expect(mine.some((e) => e.type === 'run-eval')).toBe(true);

    const detail = (await service.call('runs.get', { id })) as { backend: string; test: { auc: number } };
    expect(detail.backend).toBe('torch-gloo');
    const log = readFileSync(join(dir, 'output', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; test?: { auc: number } });
    const torchAuc = log[log.length - 1].test?.auc ?? NaN;
    expect(detail.test.auc).toBeCloseTo(torchAuc, 12);
    const losses = (await service.call('runs.metrics', { ids: [id], names: ['train/loss'] })) as { value: number[] }[];
    expect(losses[0].value.length).toBeGreaterThan(10);

    // the imported model: Explore answers, and scoring the test split reproduces the PyTorch model's AUC
    const neighbours = (await service.call('explore.neighbors', { runId: id, table: 0, id: 1, k: 5, metric: 'cosine' })) as unknown[];
    expect(neighbours.length).toBe(5);
    const evaluated = (await service.call('runs.evaluate', { id })) as { metrics: { auc: number } };
    expect(Math.abs(evaluated.metrics.auc - torchAuc)).toBeLessThan(1e-5);

    // a copied output folder (as from a cluster) is enough to track and import the run
    const copy = join(root, 'copied-output');
    cpSync(join(dir, 'output'), copy, { recursive: true });
    const again = (await service.call('jobs.followTorch', { dir: copy, name: 'from a copy' })) as { id: string };
    expect(await settled(again.id)).toBe('finished');
    const copied = (await service.call('runs.get', { id: again.id })) as { test: { auc: number } };
    expect(copied.test.auc).toBeCloseTo(torchAuc, 12);
  });
});
