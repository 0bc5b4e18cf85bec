import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import { startWriter } from './fixtures/writer-process';
import { openStore } from './store';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('after kill -9 mid-write the file passes integrity_check and the run is interrupted with its metrics', async () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    const setup = openStore(dbPath);
    const runId = setup.createRun(sampleConfig());
    setup.close();

    const totalSteps = 1_000_000_000;
    const writer = startWriter({ dbPath, runId, totalSteps, stepsPerFlush: 50, busyTimeoutMs: 5000, mode: 'continuous' });
    // Let it commit a good number of flushes; it keeps writing flat out while we send the signal.
    const committed = await writer.waitFor((message) => (message.committedSteps ?? 0) >= 5000);
    writer.child.kill('SIGKILL');
    const { signal } = await writer.exited;
    expect(signal).toBe('SIGKILL');
    // The writer never got to checkpoint: its commits sit in the WAL file.
    expect(fs.statSync(`${dbPath}-wal`).size).toBeGreaterThan(0);
    const lastReported = Math.max(...writer.messages.map((message) => message.committedSteps ?? 0));

    const store = openStore(dbPath);
    try {
      expect(store.integrityCheck()).toEqual(['ok']);
      expect(store.recovered.runs).toEqual([runId]);
      const run = store.getRun(runId);
      expect(run.status).toBe('interrupted');
      expect(run.error).toMatch(/stopped while this run was running/);

      const series = store.getMetrics({ ids: [runId] });
      expect(series.map((entry) => entry.name)).toEqual(['train/loss', 'train/samples_per_sec']);
      const [loss, throughput] = series;
      // Everything reported as committed is there; a flush is all-or-nothing, progress included.
      expect(loss!.step.length).toBeGreaterThanOrEqual(committed.committedSteps!);
      expect(loss!.step.length).toBeGreaterThanOrEqual(lastReported);
      expect(loss!.step.length % 50).toBe(0);
      expect(throughput!.step.length).toBe(loss!.step.length);
      expect(Math.round(run.progress * totalSteps)).toBe(loss!.step.length);
      expect(loss!.step).toEqual(Array.from({ length: loss!.step.length }, (_, step) => step));

      // The database takes writes again.
      store.appendMetrics(runId, [{ name: 'train/loss', step: 10 ** 9, samples: 0, wallTime: 0, value: 1 }]);
      store.prepareResume(runId);
      expect(store.getRun(runId).status).toBe('queued');
    } finally {
      store.close();
    }
    // Closing the last connection checkpoints the WAL; a fresh plain connection agrees the file is sound.
    const raw = new Database(dbPath, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
  });

  it('a kill inside a transaction whose uncommitted pages already reached the WAL loses exactly that transaction', async () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    const setup = openStore(dbPath);
    const runId = setup.createRun(sampleConfig());
    setup.close();

    const totalSteps = 1_000_000;
    // 60 flushes of 50 steps commit, then the writer starts a 300,000-point flush and kills itself mid-way.
    const writer = startWriter({ dbPath, runId, totalSteps, stepsPerFlush: 50, busyTimeoutMs: 5000, mode: 'continuous', killInsideFlushAt: 3000 });
    const { signal } = await writer.exited;
    expect(signal).toBe('SIGKILL');
    // The half-written transaction spilled pages into the WAL (the writer's page cache is 1 MB there
    // and 300,000 points need several), so recovery really had to skip uncommitted frames.
    const walBefore = Number(fs.readFileSync(`${dbPath}.wal-size-before`, 'utf8'));
    expect(fs.statSync(`${dbPath}-wal`).size).toBeGreaterThan(walBefore + 1024 * 1024);

    const store = openStore(dbPath);
    try {
      expect(store.integrityCheck()).toEqual(['ok']);
      const run = store.getRun(runId);
      expect(run.status).toBe('interrupted');
      const [loss, throughput] = store.getMetrics({ ids: [runId] });
      expect(loss!.step).toEqual(Array.from({ length: 3000 }, (_, step) => step));
      expect(loss!.value.includes(-1)).toBe(false);
      expect(throughput!.step).toHaveLength(3000);
      expect(run.progress).toBe(3000 / totalSteps);
    } finally {
      store.close();
    }
  });

  it('leaves alone a run whose owner process is still alive, and marks it once that process is gone', async () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    const setup = openStore(dbPath);
    const runId = setup.createRun(sampleConfig());
    setup.close();
    const writer = startWriter({ dbPath, runId, totalSteps: 100, stepsPerFlush: 10, busyTimeoutMs: 5000, mode: 'on-demand' });
    await writer.waitFor((message) => message.committedSteps === 0);

    // e.g. the CLI opens the database while the app trains: the live run stays 'running'.
    const whileAlive = openStore(dbPath);
    expect(whileAlive.recovered.runs).toEqual([]);
    expect(whileAlive.getRun(runId).status).toBe('running');
    whileAlive.close();

    writer.child.kill('SIGKILL');
    await writer.exited;
    const afterDeath = openStore(dbPath);
    expect(afterDeath.recovered.runs).toEqual([runId]);
    expect(afterDeath.getRun(runId).status).toBe('interrupted');
    afterDeath.close();
  });
});
