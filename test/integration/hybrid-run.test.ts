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

  it('with a memory budget per worker, splits tables by rows where none fits whole, matches one thread, and refuses a budget no plan fits', async () => {
    const one = await finished(((await service.call('runs.start', base)) as { id: string }).id);
    expect(one.status).toBe('finished');
    // MLPs: bottom 13-16-8 (360) and top 359-32-1 (11,553) parameters, x3 with Adam; 26 tables of 500 rows x 8
    const denseParams = 360 + 11_553;
    expect(one.paramCount).toBe(denseParams + 26 * 500 * 8);
    const denseBytes = denseParams * 4 * 3;
    // 26 tables of 500 x (8 + 1) x 4 = 18,000 B over 3 workers: 156,000 B each; 8 whole tables a worker
    // leave 12,000 B free each, so the last two tables fit only split by rows
    const input: StartRunInput = { ...base, train: { ...base.train, hybridWorkers: 3, hybridMemoryBudgetBytes: denseBytes + 156_500 } };
    const three = await finished(((await service.call('runs.start', input)) as { id: string }).id);
    expect(three.status, three.error ?? '').toBe('finished');
    expect(three.backendDetail).toMatch(/hybrid parallel on 3 threads \(tables per worker 10\/10\/10; table \d+ split by rows over workers 0\/1\/2, table \d+ split by rows over workers 0\/1\/2;/);
    expect(Math.abs((three.test?.auc ?? 0) - (one.test?.auc ?? 1))).toBeLessThan(0.005);

    const tight: StartRunInput = { ...base, train: { ...base.train, hybridWorkers: 2, hybridMemoryBudgetBytes: denseBytes + 1_000 } };
    const refused = await finished(((await service.call('runs.start', tight)) as { id: string }).id);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/this sharding plan cannot run: worker 0 would hold .* over its budget of/);
  });
});
