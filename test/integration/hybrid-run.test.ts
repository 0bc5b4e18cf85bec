/**
 * A run with train.hybridWorkers through the service (the built worker, out/main): it trains on
 * that many threads with the tables sharded, says so, records the time of each step phase as
 * 'phase/<name>' series (ms per step), and reaches the test AUC of the same run on one thread
 * (which records its own phases, without the exchanges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import type { MetricSeries, RunDetail, StartRunInput } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';

const base: StartRunInput = {
  model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '32-1', interaction: 'dot', hashSize: 500 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 12_000, seed: 2 },
  train: { batchSize: 256, epochs: 1, evalEvery: 0, seed: 4, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

let root: string;
let service: StudioService;

async function finished(id: string): Promise<RunDetail> {
  for (let i = 0; i < 1800; i++) {
    const detail = (await service.call('runs.get', { id })) as RunDetail;
    if (detail.status !== 'queued' && detail.status !== 'running') return detail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not end`);
}

describe('a hybrid parallel run', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dlrm-hybrid-run-'));
    service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(repoRoot, 'out/main'), dataDir: join(root, 'data') });
  });
  afterAll(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('trains on 2 threads with sharded tables, records per-phase times, and matches one thread', async () => {
    const one = await finished(((await service.call('runs.start', base)) as { id: string }).id);
    const hybridInput: StartRunInput = { ...base, train: { ...base.train, hybridWorkers: 2 } };
    const two = await finished(((await service.call('runs.start', hybridInput)) as { id: string }).id);
    expect(one.status).toBe('finished');
    expect(two.status, two.error ?? '').toBe('finished');
    expect(two.backendDetail).toMatch(/hybrid parallel on 2 threads \(tables per worker 13\/13/);
    expect(Math.abs((two.test?.auc ?? 0) - (one.test?.auc ?? 1))).toBeLessThan(0.005);
    const phaseSeries = async (id: string) => ((await service.call('runs.metrics', { ids: [id] })) as MetricSeries[]).filter((s) => s.name.startsWith('phase/'));
    const series = await phaseSeries(two.id);
    const names = series.map((s) => s.name).sort();
    expect(names).toEqual(['phase/allReduce', 'phase/allToAll', 'phase/backward', 'phase/bottomMlp', 'phase/denseUpdate', 'phase/input', 'phase/interaction', 'phase/lookup', 'phase/sparseUpdate', 'phase/topMlp']);
    for (const phase of ['phase/bottomMlp', 'phase/interaction', 'phase/topMlp', 'phase/backward']) {
      expect(series.find((s) => s.name === phase)!.value.every((v) => v !== null && v > 0), phase).toBe(true);
    }
    // one thread times its own phases (no exchange there)
    expect((await phaseSeries(one.id)).map((s) => s.name).sort()).toEqual(['phase/backward', 'phase/bottomMlp', 'phase/denseUpdate', 'phase/interaction', 'phase/lookup', 'phase/sparseUpdate', 'phase/topMlp']);
  });
});
