import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import { startWriter } from './fixtures/writer-process';
import { openReadonlyStore, openStore } from './store';

let dir: string;
let dbPath: string;
let runId: string;

beforeEach(() => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'studio.sqlite');
  const setup = openStore(dbPath);
  runId = setup.createRun(sampleConfig());
  setup.close();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a reader while another process writes', () => {
  it('an open read transaction does not block the writer (busy_timeout 0) and keeps its snapshot', async () => {
    // busy_timeout 0: if the reader blocked the writer, the writer would fail with SQLITE_BUSY at once.
    const writer = startWriter({ dbPath, runId, totalSteps: 1000, stepsPerFlush: 10, busyTimeoutMs: 0, mode: 'on-demand' });
    await writer.waitFor((message) => message.committedSteps === 0);
    writer.child.send({ flushes: 2 });
    await writer.waitFor((message) => message.committedSteps === 20);

    const reader = new Database(dbPath, { readonly: true });
    const countPoints = reader.prepare('SELECT COUNT(*) FROM metric_points').pluck();
    reader.exec('BEGIN');
    expect(countPoints.get()).toBe(40); // 20 steps x 2 series; the read transaction starts here.

    writer.child.send({ flushes: 3 });
    const after = await writer.waitFor((message) => message.committedSteps !== undefined && message.committedSteps > 20);
    expect(after.committedSteps).toBe(50);
    expect(countPoints.get()).toBe(40); // same snapshot inside the transaction
    reader.exec('COMMIT');
    expect(countPoints.get()).toBe(100); // the new commits are visible to the next transaction

    writer.child.send('exit');
    expect((await writer.exited).code).toBe(0);
    reader.close();
  });

  it('the UI-style ReadonlyStore polls consistent data while a writer appends flat out', async () => {
    const totalSteps = 4000;
    const writer = startWriter({ dbPath, runId, totalSteps, stepsPerFlush: 20, busyTimeoutMs: 5000, mode: 'continuous' });
    const reader = openReadonlyStore(dbPath);
    let polls = 0;
    let previous = 0;
    let done = false;
    void writer.exited.then(() => {
      done = true;
    });
    try {
      while (!done) {
        const view = reader.snapshot(() => ({ run: reader.getRun(runId), series: reader.getMetrics({ ids: [runId] }) }));
        const loss = view.series.find((series) => series.name === 'train/loss');
        const throughput = view.series.find((series) => series.name === 'train/samples_per_sec');
        const count = loss?.step.length ?? 0;
        // Progress and points come from the same commit, and both series grow together.
        expect(Math.round(view.run.progress * totalSteps)).toBe(count);
        expect(throughput?.step.length ?? 0).toBe(count);
        expect(count).toBeGreaterThanOrEqual(previous);
        previous = count;
        polls += 1;
        await nextTick();
      }
      expect((await writer.exited).code).toBe(0);
      expect(polls).toBeGreaterThan(0);
      const final = reader.getMetrics({ ids: [runId], names: ['train/loss'], maxPoints: 500 });
      expect(final[0]!.step.at(-1)).toBe(totalSteps - 1);
      expect(reader.getRun(runId).progress).toBe(1);
    } finally {
      reader.close();
    }
  });
});
