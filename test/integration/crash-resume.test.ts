/**
 * A killed training leaves a run that says so and can resume: the CLI trains in a child process,
 * is killed with SIGKILL after its first checkpoints, and the tracker must show the run as
 * interrupted with its metrics, pass integrity_check, and finish when resumed.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseNotMigratedError, openReadonlyStore, openStore } from '../../src-main/store';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');

describe('crash safety of a training run', () => {
  it('a run killed mid-training is interrupted, intact, and resumes to the end', async () => {
    expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-crash-'));
    const child = spawn(
      process.execPath,
      [cli, 'train', '--data', 'synthetic', '--rows', '40000', '--hash-size', '2000', '--batch', '128', '--epochs', '1',
        '--eval-every', '50', '--checkpoint-every', '20', '--backend', 'wasm', '--data-dir', dataDir, '--json'],
      { stdio: 'ignore' },
    );
    const dbPath = join(dataDir, 'studio.sqlite');
    // Wait until at least two checkpoints are recorded, then kill without warning.
    const deadline = Date.now() + 150_000;
    let runId: string | null = null;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      if (!existsSync(dbPath)) continue;
      let reader: ReturnType<typeof openReadonlyStore>;
      try {
        reader = openReadonlyStore(dbPath);
      } catch (e) {
        // the CLI has created the file but not yet migrated it: not ready, look again
        if (e instanceof DatabaseNotMigratedError) continue;
        throw e;
      }
      try {
        const run = reader.listRuns({})[0];
        if (run) {
          runId = run.id;
          const detail = reader.getRun(run.id);
          if ((detail.lastCheckpointStep ?? 0) >= 40) break;
        }
      } finally {
        reader.close();
      }
    }
    expect(runId).not.toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const store = openStore(dbPath);
    try {
      expect(store.integrityCheck()).toEqual(['ok']);
      const run = store.getRun(runId!);
      expect(run.status).toBe('interrupted');
      const loss = store.getMetrics({ ids: [runId!], names: ['train/loss'] })[0]!;
      expect(loss.step.length).toBeGreaterThan(0);
      expect(run.lastCheckpointStep).toBeGreaterThanOrEqual(40);
    } finally {
      store.close();
    }

    const resumed = spawnSync(process.execPath, [cli, 'resume', '--run', runId!, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 240_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    const detail = JSON.parse(resumed.stdout) as { status: string; test: { auc: number | null }; lastCheckpointStep: number };
    expect(detail.status).toBe('finished');
    expect(detail.test.auc).toBeGreaterThan(0.5);
    // 40,000 rows split 6/7 train at batch 128 -> 268 steps; the resumed run reached the end.
    expect(detail.lastCheckpointStep).toBe(Math.ceil(Math.floor((40000 * 6) / 7) / 128));
  });
});
