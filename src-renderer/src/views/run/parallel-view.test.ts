import { describe, expect, it } from 'vitest';
import type { MetricSeries, ShardingAnswer } from '../../../../src-main/service/contract';
import { phaseColumns, planLayout } from './parallel-view';

const series = (name: string, step: number[], value: (number | null)[]): MetricSeries => ({ runId: 'r', name, step, samples: step, wallTime: step, value });

describe('parallel views', () => {
  it('stacks the recorded phase times per step and averages them', () => {
    const { columns, summary, maxTotal } = phaseColumns([
      series('phase/lookup', [10, 20], [1, 3]),
      series('phase/backward', [10, 20], [4, 6]),
      series('train/loss', [10, 20], [0.5, 0.4]),
    ]);
    expect(columns.map((c) => c.step)).toEqual([10, 20]);
    expect(columns[1].total).toBe(9);
    expect(maxTotal).toBe(9);
    const lookup = summary.find((s) => s.phase === 'lookup')!;
    expect(lookup.meanMs).toBe(2);
    expect(lookup.share).toBeCloseTo(2 / 7, 12);
    expect(phaseColumns([series('train/loss', [1], [1])]).columns).toEqual([]);
  });

  it('lays a plan out as worker columns with tables by bytes and one arrow per sending pair', () => {
    const answer = {
      plan: { workers: 2, shards: [ { table: 0, kind: 'table', worker: 1 }, { table: 1, kind: 'table', worker: 0 }, { table: 2, kind: 'row', workers: [0, 1], rowStarts: [0, 30, 100] } ] },
      cost: { perWorker: [ { worker: 0, totalBytes: 10, lookupsPerStep: 3 }, { worker: 1, totalBytes: 20, lookupsPerStep: 4 } ], pairBytesPerStep: [ [0, 64], [128, 0] ] },
      tableSizes: [50, 10, 100],
      embeddingDim: 2,
      advice: { mode: 'hybrid', workers: 2, reason: '' },
    } as unknown as ShardingAnswer;
    const { columns, arrows, maxBytes } = planLayout(answer);
    expect(columns[0].tables).toEqual([ { table: 2, rows: 30, bytes: 240 }, { table: 1, rows: 10, bytes: 80 } ]);
    expect(columns[1].tables.map((t) => t.table)).toEqual([2, 0]);
    expect(arrows).toEqual([ { from: 0, to: 1, bytes: 64 }, { from: 1, to: 0, bytes: 128 } ]);
    expect(maxBytes).toBe(560 + 400);
  });
});
