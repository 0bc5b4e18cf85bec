/**
 * A whole tracked run on the WebGPU backend (forced: CI has only Mesa's software adapter), through
 * the same door a user takes: steps, evaluations, checkpoints and the saved model all read the
 * device asynchronously, and the run records which adapter trained it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/browser';

describe('training run on webgpu', () => {
  it('finishes with metrics, checkpoints and a model, and records the adapter', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-webgpu-run-'));
    const run = spawnSync(
      process.execPath,
      [join(repoRoot, 'out/main/cli.js'), 'train', '--data', 'synthetic', '--rows', '4000', '--hash-size', '500', '--batch', '256',
        '--backend', 'webgpu', '--optimizer', 'adam', '--sparse-optimizer', 'rowwise-adagrad', '--lr', '0.01',
        '--eval-every', '5', '--checkpoint-every', '5', '--data-dir', dataDir, '--json'],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.status, `${run.stderr}\n(no Vulkan driver? apt-get install -y -t bookworm-backports mesa-vulkan-drivers)`).toBe(0);
    const detail = JSON.parse(run.stdout) as {
      status: string; backend: string; backendDetail: string; test: { auc: number | null; logLoss: number | null };
      artifacts: { kind: string; path: string }[]; lastCheckpointStep: number;
    };
    expect(detail.status).toBe('finished');
    expect(detail.backend).toBe('webgpu');
    // The adapter and its kind, then the path the DLRM trained on: the WebGPU step, with its buffers,
    // its dense kernels' blocks (by adapter kind) and kernel times.
    expect(detail.backendDetail).toMatch(
      /^webgpu: .+\((hardware|software, forced)\); WebGPU step \(no tfjs\) on .+; \d+ table buffer\(s\); dense blocks \d+x\d+(, input gradients from W\^T)? \((hardware|software) adapter\); forward\+backward kernels [\d.]+ ms a step/,
    );
    expect(detail.test.auc).not.toBeNull();
    expect(detail.test.logLoss).toBeLessThan(0.7);
    // 4,000 rows -> 3,428 train rows at batch 256 -> 14 steps; checkpoints at 5, 10 and the end.
    expect(detail.lastCheckpointStep).toBe(14);
    const model = detail.artifacts.find((a) => a.kind === 'model');
    expect(model && existsSync(join(dataDir, model.path))).toBe(true);
  });
});
