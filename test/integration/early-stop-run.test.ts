/**
 * Early stopping through every layer: the CLI trains a tiny run for many epochs with early stopping,
 * and the tracker records where the kept model came from ("best at step N of M"), the model file is
 * that step's, and the recorded best value is the validation series' value at that step.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunDetail } from '../../src-main/service/contract';
import { openReadonlyStore } from '../../src-main/store';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');

describe('early stopping through the CLI and the tracker', () => {
  it('records the best step, keeps that model, and tests it', () => {
    expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-early-stop-'));
    const r = spawnSync(
      process.execPath,
      [cli, 'train', '--data', 'synthetic', '--rows', '3000', '--preset', 'course', '--hash-size', '3000', '--batch', '64',
        '--epochs', '8', '--optimizer', 'adam', '--sparse-optimizer', 'rowwise-adagrad', '--lr', '0.03', '--eval-every', '10',
        '--patience', '2', '--threads', '1', '--backend', 'wasm', '--data-dir', dataDir, '--json'],
      { encoding: 'utf8', timeout: 200_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const detail = JSON.parse(r.stdout) as RunDetail;
    expect(detail.status).toBe('finished');
    const best = detail.bestAt!;
    expect(best).not.toBeNull();
    expect(best.metric).toBe('logLoss');
    // 3000 rows: 2571 training rows at batch 64 -> 41 steps an epoch, 328 planned; tables this large memorise them
    expect(best.totalSteps).toBe(8 * Math.ceil(Math.floor((3000 * 6) / 7) / 64));
    expect(best.stoppedEarly).toBe(true);
    expect(best.trainedSteps).toBeLessThan(best.totalSteps);
    expect(best.step).toBeLessThan(best.trainedSteps);
    expect(detail.test.auc).toBeGreaterThan(0.5);
    expect(detail.artifacts.find((a) => a.kind === 'model')?.step).toBe(best.step);
    const store = openReadonlyStore(join(dataDir, 'studio.sqlite'));
    try {
      const series = store.getMetrics({ ids: [detail.id], names: ['valid/logloss'], maxPoints: 100_000 })[0]!;
      const at = series.step.indexOf(best.step);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(series.value[at]).toBeCloseTo(best.value, 12);
      expect(Math.min(...series.value.map((v) => v ?? Infinity))).toBeCloseTo(best.value, 12);
      expect(store.listRuns({})[0]!.bestAt).toEqual(best);
    } finally {
      store.close();
    }
  }, 300_000);
});
