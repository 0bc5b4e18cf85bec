/**
 * A sweep killed with SIGKILL resumes without repeating or losing a trial: the CLI runs a small
 * successive-halving sweep in a child process, is killed while a trial trains, and `sweep resume`
 * finishes it. Every trial keeps the run it had before the kill, the group holds exactly one run per
 * trial, and the decisions (who was promoted, their values) equal those of an uninterrupted sweep.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadonlyStore, openStore } from '../../src-main/store';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');
const spec = {
  strategy: 'halving', trials: 4, eta: 2, rungs: 2, seed: 5, metric: 'auc',
  parameters: [
    { setting: 'learningRate', range: { min: 0.002, max: 0.05, scale: 'log' } },
    { setting: 'embeddingDim', values: [4, 8] },
  ],
};
const trainArgs = ['--data', 'synthetic', '--rows', '5000', '--preset', 'course', '--hash-size', '400', '--batch', '128',
  '--optimizer', 'adam', '--sparse-optimizer', 'rowwise-adagrad', '--eval-every', '8', '--checkpoint-every', '5',
  '--threads', '1', '--backend', 'wasm'];

interface TrialOut { index: number; state: string; value: number | null; runId: string | null }
interface SweepOut { id: string; status: string; trials: TrialOut[] }

function sweepArgs(dataDir: string, specFile: string): string[] {
  return [cli, 'sweep', '--spec', specFile, ...trainArgs, '--data-dir', dataDir, '--json'];
}

describe('sweep resume after SIGKILL', () => {
  it('neither repeats nor loses a trial, and decides as an uninterrupted sweep', async () => {
    expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'dlrm-sweep-kill-'));
    const specFile = join(root, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));

    // the uninterrupted sweep, for the decisions to compare with
    const whole = spawnSync(process.execPath, sweepArgs(join(root, 'whole'), specFile), { encoding: 'utf8', timeout: 200_000 });
    expect(whole.status, whole.stderr).toBe(0);
    const expected = JSON.parse(whole.stdout) as SweepOut;
    expect(expected.trials.map((t) => t.state).sort()).toEqual(['finished', 'finished', 'pruned', 'pruned']);

    // the same sweep, killed while a trial's run trains past a checkpoint and another trial has reported
    const dataDir = join(root, 'killed');
    const child = spawn(process.execPath, sweepArgs(dataDir, specFile), { stdio: 'ignore' });
    const dbPath = join(dataDir, 'studio.sqlite');
    const deadline = Date.now() + 150_000;
    let sweepId: string | null = null;
    let before: Map<number, string | null> = new Map();
    let killedTrial = -1;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(dbPath)) continue;
      let reader;
      try {
        reader = openReadonlyStore(dbPath);
      } catch {
        continue; // not migrated yet
      }
      try {
        const sweep = reader.listSweeps()[0];
        if (!sweep) continue;
        sweepId = sweep.id;
        const trials = reader.getSweep(sweep.id).trialList;
        const training = trials.find((t) => {
          if (t.runId === null) return false;
          const run = reader.getRun(t.runId);
          return run.status === 'running' && (run.lastCheckpointStep ?? 0) >= 5;
        });
        if (training && trials.some((t) => t.completedRung >= 0)) {
          killedTrial = training.index;
          before = new Map(trials.map((t) => [t.index, t.runId]));
          break;
        }
      } finally {
        reader.close();
      }
    }
    expect(sweepId).not.toBeNull();
    expect(killedTrial).toBeGreaterThanOrEqual(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const store = openStore(dbPath);
    try {
      expect(store.integrityCheck()).toEqual(['ok']);
      expect(store.getSweep(sweepId!).status).toBe('interrupted');
      expect(store.getRun(before.get(killedTrial)!).status).toBe('interrupted');
    } finally {
      store.close();
    }

    const resumed = spawnSync(process.execPath, [cli, 'sweep', 'resume', '--sweep', sweepId!, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 200_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as SweepOut;
    expect(result.status).toBe('finished');

    // not repeated: every trial that had a run keeps it; one run per trial in the sweep's group
    for (const [index, runId] of before) if (runId !== null) expect(result.trials[index]!.runId).toBe(runId);
    const after = openReadonlyStore(dbPath);
    try {
      const groupRuns = after.listRuns({ group: sweepId! });
      expect(groupRuns.length).toBe(4);
      expect(new Set(result.trials.map((t) => t.runId))).toEqual(new Set(groupRuns.map((r) => r.id)));
    } finally {
      after.close();
    }
    // not lost, and the same decisions: the same trials promoted with the same values
    expect(result.trials.map((t) => t.state)).toEqual(expected.trials.map((t) => t.state));
    result.trials.forEach((t, i) => expect(t.value).toBeCloseTo(expected.trials[i]!.value!, 6));
  }, 400_000);
});
