import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from './errors';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import { metricDirection, metricValuesToPoints, type MetricPoint } from './metrics';
import { openStore, type WritableStore } from './store';

let dir: string;
let store: WritableStore;

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(path.join(dir, 'studio.sqlite'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function lossPoints(count: number, name = 'train/loss'): MetricPoint[] {
  return Array.from({ length: count }, (_, index) => ({
    name,
    step: index,
    samples: index * 64,
    wallTime: index * 0.01,
    value: 1 / (index + 1),
  }));
}

describe('appending metric points', () => {
  it('stores points in one call, replaces a point at the same step, and stores non-finite values as null', () => {
    const id = store.createRun(sampleConfig());
    expect(store.appendMetrics(id, lossPoints(5))).toBe(5);
    store.appendMetrics(id, [
      { name: 'train/loss', step: 2, samples: 128, wallTime: 0.02, value: 42 },
      { name: 'train/loss', step: 5, samples: 320, wallTime: 0.05, value: Number.NaN },
      { name: 'train/loss', step: 6, samples: 384, wallTime: 0.06, value: Number.POSITIVE_INFINITY },
    ]);
    const [series] = store.getMetrics({ ids: [id] });
    expect(series).toEqual({
      runId: id,
      name: 'train/loss',
      step: [0, 1, 2, 3, 4, 5, 6],
      samples: [0, 64, 128, 192, 256, 320, 384],
      wallTime: [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06],
      value: [1, 1 / 2, 42, 1 / 4, 1 / 5, null, null],
    });
  });

  it('refuses bad points and unknown runs without writing anything', () => {
    const id = store.createRun(sampleConfig());
    expect(() => store.appendMetrics(id, [...lossPoints(3), { name: 'train/loss', step: -1, samples: 0, wallTime: 0, value: 1 }])).toThrow(
      InvalidInputError,
    );
    expect(() => store.appendMetrics(id, lossPoints(3), 1.5)).toThrow(InvalidInputError);
    expect(() => store.appendMetrics('missing', lossPoints(3))).toThrow(NotFoundError);
    expect(store.getMetrics({ ids: [id] })).toEqual([]);
  });

  it('names MetricValues fields as <split>/<metric> and knows which way is better', () => {
    expect(metricValuesToPoints('valid', { auc: 0.8, logLoss: null, normalizedEntropy: 0.9 }, { step: 3, samples: 30, wallTime: 1 })).toEqual([
      { name: 'valid/auc', step: 3, samples: 30, wallTime: 1, value: 0.8 },
      { name: 'valid/ne', step: 3, samples: 30, wallTime: 1, value: 0.9 },
    ]);
    expect(metricDirection('valid/auc')).toBe(1);
    expect(metricDirection('train/loss')).toBe(-1);
    expect(metricDirection('valid/mean_prediction')).toBe(0);
  });
});

describe('reading series', () => {
  it('returns series in the order of the ids, then by name, filtered by name', () => {
    const first = store.createRun(sampleConfig());
    const second = store.createRun(sampleConfig());
    store.appendMetrics(first, [...lossPoints(3), ...lossPoints(2, 'valid/auc')]);
    store.appendMetrics(second, lossPoints(4));
    const all = store.getMetrics({ ids: [second, first] });
    expect(all.map((series) => [series.runId, series.name])).toEqual([
      [second, 'train/loss'],
      [first, 'train/loss'],
      [first, 'valid/auc'],
    ]);
    const only = store.getMetrics({ ids: [first, second], names: ['valid/auc'] });
    expect(only.map((series) => [series.runId, series.name])).toEqual([[first, 'valid/auc']]);
    expect(store.listMetricNames([first, second])).toEqual(['train/loss', 'valid/auc']);
  });

  it('takes id lists longer than SQLite\'s bound-variable limit (32766) as one JSON parameter', () => {
    const id = store.createRun(sampleConfig());
    store.appendMetrics(id, lossPoints(3));
    const ids = [...Array.from({ length: 40_000 }, (_, index) => `missing-${index}`), id];
    expect(store.getMetrics({ ids }).map((series) => series.runId)).toEqual([id]);
    expect(store.exportMetricsCsv(ids).split('\n')).toHaveLength(1 + 3 + 1);
  });

  it('downsamples to at most maxPoints, keeping the first and the last point, uniformly along the steps', () => {
    const id = store.createRun(sampleConfig());
    store.appendMetrics(id, lossPoints(1000));
    const [series] = store.getMetrics({ ids: [id], maxPoints: 100 });
    // Steps 0..999, m = 100: target i is 999 * i / 99; the first step at or after it is its ceiling.
    const expected = Array.from({ length: 100 }, (_, index) => Math.ceil((999 * index) / 99));
    expect(series!.step).toEqual(expected);
    expect(series!.value[0]).toBe(1);
    expect(series!.value.at(-1)).toBe(1 / 1000);
    expect(series!.samples).toEqual(expected.map((step) => step * 64));

    // Every m from 2 to 1000 keeps first and last and never exceeds m.
    for (const maxPoints of [2, 3, 7, 99, 500, 999, 1000, 5000]) {
      const [downsampled] = store.getMetrics({ ids: [id], maxPoints });
      const steps = downsampled!.step;
      expect(steps.length).toBeLessThanOrEqual(maxPoints);
      expect(steps[0]).toBe(0);
      expect(steps.at(-1)).toBe(999);
      if (maxPoints >= 1000) expect(steps).toHaveLength(1000);
      for (let index = 1; index < steps.length; index += 1) expect(steps[index]!).toBeGreaterThan(steps[index - 1]!);
    }
    // Irregular steps: dense at the start, sparse later. The x range stays covered end to end.
    const irregular = store.createRun(sampleConfig());
    store.appendMetrics(irregular, [...lossPoints(500), ...[1000, 5000, 10_000].map((step) => ({ name: 'train/loss', step, samples: step, wallTime: step, value: 0 }))]);
    const [sparse] = store.getMetrics({ ids: [irregular], maxPoints: 11 });
    // Targets 0, 1000, 2000, ..., 10000 -> first steps at or after them: 0, 1000, then 5000 (x4), then 10000 (x5).
    expect(sparse!.step).toEqual([0, 1000, 5000, 10_000]);
    expect(() => store.getMetrics({ ids: [id], maxPoints: 1 })).toThrow(InvalidInputError);
  });
});
