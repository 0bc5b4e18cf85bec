import { describe, expect, it } from 'vitest';
import { splitBatchSource } from '../data/batch-source';
import { runBench } from './bench';
import { runParity, type OrderedSource } from './parity';
import { plantedSplit } from './testing';

// Smoke tests only: speed is measured by running the benchmark, never asserted in unit tests.
describe('bench and parity entry points', () => {
  it('runBench reports throughput and memory', async () => {
    const lines: string[] = [];
    const r = await runBench({ batchSizes: [8], seconds: 0.05, rowsPerTable: 50, backend: 'cpu', torchScript: false, log: (l) => lines.push(l) });
    expect(r.backend).toBe('cpu');
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0].steps).toBeGreaterThanOrEqual(3);
    expect(r.rows[0].samplesPerSec).toBeGreaterThan(0);
    expect(r.rows[0].ratio).toBeNull();
    expect(r.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(lines.some((l) => l.startsWith('batch 8:'))).toBe(true);
  });

  it('runBench alternates with the reference in rounds and takes the median of their ratios', async () => {
    const given = [1000, 3000, 2000];
    const asked: number[] = [];
    const r = await runBench({
      batchSizes: [8],
      seconds: 0.06,
      rounds: 3,
      rowsPerTable: 50,
      backend: 'cpu',
      reference: (batchSize, steps) => {
        asked.push(steps);
        return { samplesPerSec: given[asked.length - 1], line: `stand-in batch ${batchSize}` };
      },
      log: () => undefined,
    });
    const row = r.rows[0];
    expect(asked).toHaveLength(3);
    expect(asked.every((n) => n >= 10)).toBe(true);
    expect(row.torchSamplesPerSec).toBe(2000);
    expect(row.roundRatios).toHaveLength(3);
    expect(row.ratio).toBe([...row.roundRatios].sort((a, b) => a - b)[1]);
  });

  it('runParity trains in stored order on what the loader gives and reports test AUC', async () => {
    const tableSizes = Array.from({ length: 26 }, () => 20);
    const lines: string[] = [];
    const r = await runParity({
      trainPath: 'train.tsv',
      testPath: 'test.tsv',
      tableRows: 20,
      batchSize: 64,
      seeds: [1],
      backend: 'cpu',
      torchScript: false,
      log: (l) => lines.push(l),
      loadSources: async (trainPath, testPath, tableRows) => {
        expect([trainPath, testPath, tableRows]).toEqual(['train.tsv', 'test.tsv', 20]);
        return {
          train: splitBatchSource(plantedSplit(256, tableSizes, 1)) as OrderedSource,
          test: splitBatchSource(plantedSplit(256, tableSizes, 2)) as OrderedSource,
          tableSizes,
        };
      },
    });
    expect(r.ours).toHaveLength(1);
    expect(r.oursMeanAuc).toBeGreaterThan(0);
    expect(r.torchMeanAuc).toBeNull();
    expect(lines.some((l) => /ours {2}seed 1: test_auc=/.test(l))).toBe(true);
  });
});
