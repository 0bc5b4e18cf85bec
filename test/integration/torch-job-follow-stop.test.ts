/**
 * Stopping the follower of a torch.distributed job (service/torch-jobs.ts; Ctrl+C in `follow-job`):
 * the job is left alone, the run becomes 'interrupted' saying how to follow again, nothing more is
 * read; following the folder again with the run's id reads the whole log into that same run, each
 * step once. The job's metrics log is written here line by line (the script's own format), so no
 * PyTorch is needed; the CLI part needs the built CLI (out/main, `npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src-main/store';
import { defaultDatabasePath } from '../../src-main/store/paths';
import { StudioService } from '../../src-main/service/create';
import type { RunStatus } from '../../src-main/service/contract';
import { initBackend } from '../../src-main/engine/backend';
import { splitBatchSource } from '../../src-main/engine/data/batch-source';
import { plantedSplit } from '../../src-main/engine/train/testing';
import { writeTorchJob } from '../../src-main/engine/train/torch-job/job-folder';
import type { TrainJob } from '../../src-main/engine/train/trainer';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');
const tableSizes = [30, 20, 10];
const job: TrainJob = {
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 30 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  train: { batchSize: 50, epochs: 1, evalEvery: 0, seed: 2, maxBadRowShare: 0, checkpointEvery: 0 },
  tableSizes,
};

let root: string;

/** A job folder whose output/metrics.jsonl this test writes; returns its folder and a writer of log lines. */
function makeJob(name: string): { dir: string; log: (event: object) => void; progress: (step: number) => void } {
  const dir = join(root, name);
  writeTorchJob({ dir, job, data: { train: splitBatchSource(plantedSplit(200, tableSizes, 1)) }, plan: { worldSize: 2, tableOwner: [0, 1, 1] }, runId: null, runName: name, dataset: { kind: 'synthetic', rows: 200, seed: 1 } });
  mkdirSync(join(dir, 'output'), { recursive: true });
  const file = join(dir, 'output', 'metrics.jsonl');
  const log = (event: object) => appendFileSync(file, `${JSON.stringify(event)}\n`);
  const progress = (step: number) => log({ type: 'progress', step, totalSteps: 20, epoch: 0, samplesSeen: step * 50, samplesPerSec: 1000, loss: 1 / step, lr: 0.01, etaSeconds: 1, wallTime: step });
  log({ type: 'started', backend: 'torch-gloo', detail: '2 ranks', paramCount: 300, totalSteps: 20, worldSize: 2, tableOwner: [0, 1, 1] });
  return { dir, log, progress };
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stopping and resuming the follower of a torch.distributed job', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dlrm-follow-stop-'));
    await initBackend('cpu');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('in the service: interrupt leaves the run interrupted and reads nothing more; following again with runId reads every step once', async () => {
    const service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(repoRoot, 'out/main'), dataDir: join(root, 'data') });
    try {
      const { dir, log, progress } = makeJob('job-a');
      for (let step = 1; step <= 5; step++) progress(step);
      const { id } = (await service.call('jobs.followTorch', { dir })) as { id: string };
      const losses = async () => ((await service.call('runs.metrics', { ids: [id], names: ['train/loss'] })) as { value: number[] }[])[0]?.value ?? [];
      const status = async () => ((await service.call('runs.get', { id })) as { status: RunStatus; error: string | null });
      await until('5 losses', losses, (v) => v.length === 5);
      expect((await status()).status).toBe('running');
      expect(service.isFollowingJob(id)).toBe(true);

      await service.interruptRuns();
      const stopped = await status();
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toContain('the job itself was not stopped');
      expect(stopped.error).toContain(`follow-job --dir ${join(dir, 'output')} --run ${id}`);
      expect(service.isFollowingJob(id)).toBe(false);
      // the job goes on writing; the stopped follower reads none of it
      for (let step = 6; step <= 8; step++) progress(step);
      await new Promise((r) => setTimeout(r, 800));
      expect(await losses()).toHaveLength(5);

      // a run that is not interrupted, or a name with runId, is refused
      await expect(service.call('jobs.followTorch', { dir, name: 'x', runId: id })).rejects.toThrow(/name or runId/);
      const jobB = makeJob('job-b');
      const other = (await service.call('jobs.followTorch', { dir: jobB.dir })) as { id: string };
      await expect(service.call('jobs.followTorch', { dir, runId: other.id })).rejects.toThrow(/already being followed/);
      jobB.log({ type: 'failed', error: 'gone' });
      await until('job b failed', async () => ((await service.call('runs.get', { id: other.id })) as { status: RunStatus }).status, (s) => s === 'failed');
      await expect(service.call('jobs.followTorch', { dir, runId: other.id })).rejects.toThrow(/is failed; only an interrupted run/);

      // following again: the same run, every step of the log once, live again
      const again = (await service.call('jobs.followTorch', { dir, runId: id })) as { id: string };
      expect(again.id).toBe(id);
      await until('8 losses', losses, (v) => v.length === 8);
      expect(await losses()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((step) => 1 / step));
      expect((await status()).status).toBe('running');
      await expect(service.call('jobs.followTorch', { dir, runId: id })).rejects.toThrow(/already being followed/);
      // runs.cancel (the run page's Cancel) stops following too; then following again picks up step 9
      progress(9);
      expect(await service.call('runs.cancel', { id })).toEqual({ ok: true });
      expect((await status()).status).toBe('interrupted');
      expect(service.isFollowingJob(id)).toBe(false);
      await service.call('jobs.followTorch', { dir, runId: id });
      await until('9 losses', losses, (v) => v.length === 9);
      log({ type: 'failed', error: 'rank 1 ran out of memory' });
      const ended = await until('failed', status, (s) => s.status === 'failed');
      expect(ended.error).toContain('rank 1 ran out of memory');
      expect(await losses()).toHaveLength(9);
    } finally {
      await service.close();
    }
  });

  it('from the CLI: Ctrl+C stops following and leaves the run interrupted; follow-job --run follows it again', async () => {
    expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
    const dataDir = join(root, 'cli-data');
    const { dir, log, progress } = makeJob('job-cli');
    for (let step = 1; step <= 3; step++) progress(step);
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [cli, 'follow-job', '--dir', dir, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited, output: () => output };
    };
    const first = start([]);
    const seen = await until('the follow message', () => first.output(), (o) => /following the job as run (\S+)/.test(o), 60_000);
    const id = /following the job as run (\S+)/.exec(seen)![1];
    // let it read the three steps, then Ctrl+C
    const store = () => openStore(defaultDatabasePath(dataDir), { recoverInterrupted: false });
    await until(
      '3 stored losses',
      () => {
        const s = store();
        try {
          return s.getMetrics({ ids: [id], names: ['train/loss'] })[0]?.value.length ?? 0;
        } finally {
          s.close();
        }
      },
      (n) => n === 3,
    );
    first.child.kill('SIGINT');
    const code = await Promise.race([first.exited, new Promise<string>((r) => setTimeout(() => r('no exit within 20 s'), 20_000))]);
    expect(code, first.output()).toBe(1);
    expect(first.output()).toContain(`stopped following; the job keeps training; run ${id} is marked interrupted`);
    const afterStop = store();
    try {
      const run = afterStop.getRun(id);
      expect(run.status).toBe('interrupted');
      expect(run.error).toContain(`--run ${id}`);
    } finally {
      afterStop.close();
    }

    // the job went on; following again into the same run reads it all, and ends with the job
    progress(4);
    const second = start(['--run', id]);
    await until('the follow-again message', () => second.output(), (o) => o.includes(`following the job as run ${id} (again`), 60_000);
    log({ type: 'failed', error: 'stopped by its user' });
    const code2 = await Promise.race([second.exited, new Promise<string>((r) => setTimeout(() => r('no exit within 30 s'), 30_000))]);
    expect(code2, second.output()).toBe(1);
    const final = store();
    try {
      expect(final.getRun(id).status).toBe('failed');
      expect(final.getMetrics({ ids: [id], names: ['train/loss'] })[0].value).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
    } finally {
      final.close();
    }
  });
});
