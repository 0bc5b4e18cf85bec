/**
 * Throughput of the store's hot paths. Run: `npx vitest bench --run src-main/store/append.bench.ts`
 * (not part of the unit suite). Appends: one trainer flush of 100 steps x 3 series per iteration.
 * Reads: a run filled beforehand with 100,000 steps x 3 series (300,000 points).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import type { MetricPoint } from './metrics';
import { openStore } from './store';

const dir = makeTempDir('dlrm-store-bench-');
const store = openStore(path.join(dir, 'studio.sqlite'));
const reader = store.openReader();
const runId = store.createRun(sampleConfig());
const filledRunId = store.createRun(sampleConfig());
let step = 0;

function flushOf(steps: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let index = 0; index < steps; index += 1, step += 1) {
    for (const name of ['train/loss', 'train/accuracy', 'train/samples_per_sec']) {
      points.push({ name, step, samples: step * 128, wallTime: step * 0.01, value: Math.random() });
    }
  }
  return points;
}

for (let flush = 0; flush < 1000; flush += 1) store.appendMetrics(filledRunId, flushOf(100));
step = 0;

afterAll(() => {
  reader.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('metric points', () => {
  bench('append one flush (300 points) in a transaction', () => {
    store.appendMetrics(runId, flushOf(100), 0.5);
  });
  bench('read 3 series downsampled to 1000 points each (reader connection)', () => {
    reader.getMetrics({ ids: [filledRunId], maxPoints: 1000 });
  });
  bench('read 3 full series of 100,000 points (reader connection)', () => {
    reader.getMetrics({ ids: [filledRunId] });
  });
  bench('list runs with last/best values (reader connection)', () => {
    reader.listRuns();
  });
});
