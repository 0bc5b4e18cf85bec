/**
 * A run's data preparation is watched, not waited on blind (issue #15: minutes on a Kaggle-size file):
 * through the service (the built worker, a real SQLite file) every preparation report arrives as a
 * run-preparing event (fraction, what it does, elapsed seconds, ETA) before the first step; the CLI
 * shows the same reports on its progress line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { StudioService } from '../../src-main/service/create';
import type { RunPreparation, StartRunInput, StudioEvent } from '../../src-main/service/contract';
import { repoRoot } from '../support/browser';

/** 200,000 synthetic rows: generation reports every 65,536 rows, so three reports before the last. */
const run: StartRunInput = {
  name: 'preparation progress',
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 1000 },
  optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 200_000, seed: 4 },
  train: { batchSize: 256, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

let root: string;
let service: StudioService;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dlrm-preparation-'));
  service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(repoRoot, 'out/main'), dataDir: join(root, 'data') });
});
afterAll(async () => {
  await service.close();
  rmSync(root, { recursive: true, force: true });
});

describe('data preparation progress', () => {
  it('arrives as run-preparing events with fraction, message and ETA, all before the first step', async () => {
    const preparing: RunPreparation[] = [];
    let firstStepAfter: number | null = null;
    let id = '';
    const stepped = new Promise<void>((resolve, reject) => {
      const stop = service.onEvent((event: StudioEvent) => {
        if (!('runId' in event) || event.runId !== id) return;
        if (event.type === 'run-preparing') {
          const { type: _type, runId: _runId, ...report } = event;
          preparing.push(report);
        } else if (event.type === 'run-progress') {
          firstStepAfter ??= preparing.length;
          stop();
          resolve();
        } else if (event.type === 'run-status' && event.status !== 'running') {
          stop();
          reject(new Error(`the run ended ${event.status} before its first step: ${event.error ?? ''}`));
        }
      });
    });
    id = ((await service.call('runs.start', run)) as { id: string }).id;
    await stepped;
    await service.call('runs.cancel', { id });

    expect(firstStepAfter).toBe(preparing.length);
    expect(preparing.length).toBeGreaterThanOrEqual(4);
    expect(preparing.some((p) => p.message.startsWith('generating synthetic rows'))).toBe(true);
    for (let i = 0; i < preparing.length; i++) {
      const p = preparing[i];
      expect(p.fraction).toBeGreaterThanOrEqual(0);
      expect(p.fraction).toBeLessThanOrEqual(1);
      expect(p.elapsedSeconds).toBeGreaterThanOrEqual(0);
      if (i > 0) {
        expect(p.fraction).toBeGreaterThanOrEqual(preparing[i - 1].fraction);
        expect(p.elapsedSeconds).toBeGreaterThanOrEqual(preparing[i - 1].elapsedSeconds);
      }
      // the ETA is the pace so far: elapsed x (1 - f) / f once known
      if (p.etaSeconds !== null) expect(p.etaSeconds).toBeCloseTo((p.elapsedSeconds * (1 - p.fraction)) / p.fraction, 6);
    }
    expect(preparing[preparing.length - 1].fraction).toBe(1);
  });

  it('the CLI shows the preparation on its progress line', () => {
    const cli = spawnSync(
      process.execPath,
      [join(repoRoot, 'out/main/cli.js'), 'train', '--data', 'synthetic', '--rows', '140000', '--hash-size', '1000', '--dim', '4', '--bottom', '13-8-4', '--top', '8-1',
        '--batch', '4096', '--threads', '1', '--eval-every', '0', '--data-dir', join(root, 'cli-data')],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    // not a TTY: plain lines, the first report at once
    expect(cli.stderr).toMatch(/% preparing data: generating synthetic rows: \d+ of 140000, \d+ rows\/s ETA /);
  });
});
