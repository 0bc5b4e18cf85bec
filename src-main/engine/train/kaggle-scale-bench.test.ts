import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAGGLE_CARDINALITIES } from '../data/kaggle-scale';
import { temporaryDirectory } from '../data/testing';
import { runKaggleScaleBench } from './kaggle-scale-bench';

describe('Kaggle-scale benchmark (small size)', () => {
  it('generates, prepares full vocabularies, trains the asked steps, reports the phases and deletes its files', async () => {
    const { dir, remove } = temporaryDirectory();
    try {
      const lines: string[] = [];
      const rows = 6000;
      const r = await runKaggleScaleBench({ rows, workDir: dir, steps: 6, batchSize: 256, log: (line) => lines.push(line) });
      expect(r.rows).toBe(rows);
      // one table row per distinct value (exactly min(K_f, rows) of them) plus row 0
      expect(r.tableRows).toBe(KAGGLE_CARDINALITIES.reduce((sum, k) => sum + Math.min(k, rows) + 1, 0));
      expect(r.tableBytes).toBe(r.tableRows * 68);
      expect(r.trainSteps).toBe(6);
      expect(r.trainSamplesPerSec).toBeGreaterThan(0);
      expect(r.prepareMBps).toBeGreaterThan(0);
      expect(r.preparePeakRssBytes).toBeGreaterThan(0);
      expect(r.trainPeakRssBytes).toBeGreaterThanOrEqual(r.preparePeakRssBytes);
      expect(r.trainSampledPeakRssBytes).toBeGreaterThan(0);
      expect(r.trainSampledPeakRssBytes).toBeLessThanOrEqual(r.trainPeakRssBytes);
      // peak RSS per phase (VmHWM reset at each phase's start): every phase ran and reported one on Linux
      const phasePeaks = [r.generatePeakRssBytes, r.countPeakRssBytes, r.vocabularyPeakRssBytes, r.parsePeakRssBytes, r.writePeakRssBytes, r.trainPhasePeakRssBytes];
      for (const peak of phasePeaks) {
        if (process.platform === 'linux') expect(peak).toBeGreaterThan(10 * 2 ** 20);
        if (peak !== null) expect(peak).toBeLessThanOrEqual(r.trainPeakRssBytes);
      }
      for (const peak of phasePeaks.slice(0, 5)) if (peak !== null) expect(peak).toBeLessThanOrEqual(r.preparePeakRssBytes);
      for (const phase of ['generate', 'count', 'vocabulary', 'parse', 'write', 'train']) expect(lines.some((line) => line.startsWith(`memory: end of ${phase}:`))).toBe(true);
      expect(r.deleted).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
      for (const phase of ['generate:', 'prepare:', 'train:', 'deleted the generated file']) expect(lines.some((line) => line.includes(phase))).toBe(true);
      expect(lines.some((line) => /ETA \d+ s/.test(line))).toBe(true);
    } finally {
      remove();
    }
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});
