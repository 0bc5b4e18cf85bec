import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadableDB } from './db';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import { insertRun } from './runs';
import { openStore, type ReadonlyStore, type WritableStore } from './store';

let dir: string;
let store: WritableStore;
let reader: ReadonlyStore;

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(path.join(dir, 'studio.sqlite'));
  reader = store.openReader();
});
afterEach(() => {
  reader.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('run lifecycle', () => {
  it('creates a queued run with its configuration, then runs, logs and finishes it', () => {
    const config = sampleConfig({ group: 'g1' });
    const id = store.createRun(config);
    let run = reader.getRun(id);
    expect(run).toMatchObject({
      id,
      name: 'course dlrm',
      status: 'queued',
      startedAt: null,
      endedAt: null,
      tags: ['baseline'],
      group: 'g1',
      modelKind: 'dlrm',
      preset: 'course',
      seed: 42,
      progress: 0,
      config,
      dataset: null,
      artifacts: [],
      paramCount: null,
      lastCheckpointStep: null,
    });

    store.markRunStarted(id, { backend: 'wasm', backendDetail: 'simd, 2 threads', paramCount: 12345 });
    store.setRunDataset(id, { kind: 'synthetic', rows: 10_000, badRows: 0, trainRows: 8000, validRows: 1000, testRows: 1000, bayesAuc: 0.8 });
    store.appendMetrics(id, [{ name: 'train/loss', step: 1, samples: 128, wallTime: 0.5, value: 0.69 }], 0.5);
    run = reader.getRun(id);
    expect(run.status).toBe('running');
    expect(run.startedAt).not.toBeNull();
    expect(run.backend).toBe('wasm');
    expect(run.backendDetail).toBe('simd, 2 threads');
    expect(run.paramCount).toBe(12345);
    expect(run.progress).toBe(0.5);
    expect(run.dataset?.bayesAuc).toBe(0.8);

    store.appendMetricValues(id, 'test', { auc: 0.75, logLoss: 0.5 }, { step: 10, samples: 1280, wallTime: 3 });
    store.markRunEnded(id, 'finished');
    run = reader.getRun(id);
    expect(run.status).toBe('finished');
    expect(run.endedAt).not.toBeNull();
    expect(run.progress).toBe(1);
    expect(run.test).toEqual({ auc: 0.75, logLoss: 0.5 });
    expect(run.error).toBeNull();
  });

  it('refuses transitions the lifecycle does not allow', () => {
    const id = store.createRun(sampleConfig());
    store.markRunEnded(id, 'failed', 'out of memory');
    expect(reader.getRun(id).error).toBe('out of memory');
    expect(() => store.markRunEnded(id, 'finished')).toThrow(InvalidTransitionError);
    expect(() => store.markRunStarted(id, { backend: 'cpu' })).toThrow(InvalidTransitionError);
    expect(() => store.markRunStarted('no-such-run', { backend: 'cpu' })).toThrow(NotFoundError);
    expect(() => reader.getRun('no-such-run')).toThrow(NotFoundError);
  });

  it('renames, tags, annotates', () => {
    const id = store.createRun(sampleConfig());
    store.updateRun(id, { name: '  better name ', tags: ['b', 'a', 'b', ' c '], notes: 'tried a wider top MLP' });
    const run = reader.getRun(id);
    expect(run.name).toBe('better name');
    expect(run.tags).toEqual(['a', 'b', 'c']);
    expect(run.notes).toBe('tried a wider top MLP');
    expect(() => store.renameRun(id, '   ')).toThrow(InvalidInputError);
    expect(() => store.updateRun('missing', {})).toThrow(NotFoundError);
  });

  it('gives a default name from the preset when the config has none', () => {
    const id = store.createRun(sampleConfig({ name: undefined }), { createdAt: '2026-01-02T03:04:05.000Z' });
    expect(reader.getRun(id).name).toBe('course 2026-01-02 03:04:05');
  });
});

describe('last and best values', () => {
  it('takes best = max for auc/accuracy, min for loss/logloss/ne, last = value at the highest step', () => {
    const id = store.createRun(sampleConfig());
    // Appended out of step order on purpose: "last" is by step, not by insertion.
    const auc = [[30, 0.71], [10, 0.65], [20, 0.74]] as const;
    const logloss = [[10, 0.52], [30, 0.5], [20, 0.47]] as const;
    const ne = [[10, 0.95], [20, 0.9], [30, 0.93]] as const;
    const accuracy = [[10, 0.7], [20, 0.78], [30, 0.76]] as const;
    const points = [
      ...auc.map(([step, value]) => ({ name: 'valid/auc', step, value })),
      ...logloss.map(([step, value]) => ({ name: 'valid/logloss', step, value })),
      ...ne.map(([step, value]) => ({ name: 'valid/ne', step, value })),
      ...accuracy.map(([step, value]) => ({ name: 'valid/accuracy', step, value })),
      { name: 'valid/mean_prediction', step: 30, value: 0.25 },
      { name: 'train/samples_per_sec', step: 30, value: 5000 },
      { name: 'train/loss', step: 30, value: 0.1 },
    ].map((point) => ({ ...point, samples: point.step * 128, wallTime: point.step / 10 }));
    store.appendMetrics(id, points);

    const [summary] = reader.listRuns();
    expect(summary!.last).toEqual({ auc: 0.71, logLoss: 0.5, normalizedEntropy: 0.93, accuracy: 0.76, meanPrediction: 0.25, samplesPerSec: 5000 });
    expect(summary!.best).toEqual({ auc: 0.74, logLoss: 0.47, normalizedEntropy: 0.9, accuracy: 0.78, meanPrediction: null });
    expect(summary!.test).toEqual({});

    const perSeries = reader.getMetricSummaries([id], ['valid/auc', 'train/loss']);
    expect(perSeries).toEqual([
      { runId: id, name: 'train/loss', last: 0.1, lastStep: 30, best: 0.1 },
      { runId: id, name: 'valid/auc', last: 0.71, lastStep: 30, best: 0.74 },
    ]);
  });

  it('reads valid/loss as the logloss when there is no valid/logloss', () => {
    const id = store.createRun(sampleConfig());
    store.appendMetrics(id, [
      { name: 'valid/loss', step: 1, samples: 1, wallTime: 1, value: 0.6 },
      { name: 'valid/loss', step: 2, samples: 2, wallTime: 2, value: 0.65 },
    ]);
    const run = reader.getRun(id);
    expect(run.last.logLoss).toBe(0.65);
    expect(run.best.logLoss).toBe(0.6);
  });
});

describe('listing runs', () => {
  it('filters by text over name, tags and notes, by status and by tag, newest first', () => {
    const make = (name: string, tags: string[], notes: string, createdAt: string): string => {
      const id = store.createRun(sampleConfig({ name, tags }), { createdAt });
      store.setRunNotes(id, notes);
      return id;
    };
    const alpha = make('alpha', ['wide'], '', '2026-01-01T00:00:00.000Z');
    const beta = make('beta', ['narrow', 'ablation'], 'uses 100% of the data', '2026-01-02T00:00:00.000Z');
    const gamma = make('gamma', [], 'wide top mlp', '2026-01-03T00:00:00.000Z');
    store.markRunStarted(beta, { backend: 'cpu' });
    store.markRunEnded(beta, 'finished');

    expect(reader.listRuns().map((run) => run.id)).toEqual([gamma, beta, alpha]);
    expect(reader.listRuns({ direction: 'asc' }).map((run) => run.id)).toEqual([alpha, beta, gamma]);
    expect(reader.listRuns({ orderBy: 'name', direction: 'asc' }).map((run) => run.name)).toEqual(['alpha', 'beta', 'gamma']);
    // 'WIDE' matches alpha's tag and gamma's notes (LIKE is case-insensitive for ASCII).
    expect(reader.listRuns({ text: 'WIDE' }).map((run) => run.id)).toEqual([gamma, alpha]);
    expect(reader.listRuns({ text: 'bet' }).map((run) => run.id)).toEqual([beta]);
    // '%' is escaped: it matches the literal character only.
    expect(reader.listRuns({ text: '100%' }).map((run) => run.id)).toEqual([beta]);
    expect(reader.listRuns({ text: '%' }).map((run) => run.id)).toEqual([beta]);
    expect(reader.listRuns({ status: ['finished'] }).map((run) => run.id)).toEqual([beta]);
    expect(reader.listRuns({ status: ['queued', 'running'] }).map((run) => run.id)).toEqual([gamma, alpha]);
    expect(reader.listRuns({ tag: 'ablation' }).map((run) => run.id)).toEqual([beta]);
    expect(reader.listRuns({ tag: 'abl' })).toEqual([]);
    expect(reader.listRuns({ limit: 2 }).map((run) => run.id)).toEqual([gamma, beta]);
    expect(reader.listRuns({ limit: 2, offset: 2 }).map((run) => run.id)).toEqual([alpha]);
  });

  it('refuses an unknown sort key instead of putting it in SQL', () => {
    expect(() => reader.listRuns({ orderBy: 'name; DROP TABLE runs' as 'name' })).toThrow(InvalidInputError);
    expect(() => reader.listRuns({ status: ['bogus' as 'queued'] })).toThrow(InvalidInputError);
  });

  it('lists more than 100 runs, and the same timestamp keeps insertion order (newest first)', () => {
    const createdAt = '2026-02-02T00:00:00.000Z';
    const ids: string[] = [];
    for (let index = 0; index < 150; index += 1) ids.push(store.createRun(sampleConfig({ name: `run ${index}` }), { createdAt }));
    const listed = reader.listRuns();
    expect(listed).toHaveLength(150);
    expect(listed.map((run) => run.id)).toEqual([...ids].reverse());
  });
});

describe('artifacts, resume and delete', () => {
  it('records artifacts relative to the data folder and finds the last checkpoint', () => {
    const id = store.createRun(sampleConfig());
    const folder = store.ensureRunFolder(id);
    expect(folder).toBe(path.join(dir, 'runs', id));
    fs.writeFileSync(path.join(folder, 'checkpoint-50.bin'), 'x');
    store.addArtifact(id, { kind: 'checkpoint', path: path.join(folder, 'checkpoint-50.bin'), bytes: 1, step: 50 });
    store.addArtifact(id, { kind: 'checkpoint', path: `runs/${id}/checkpoint-100.bin`, bytes: 2, step: 100 });
    store.addArtifact(id, { kind: 'model', path: `runs/${id}/model.json`, bytes: 3 });
    const run = reader.getRun(id);
    expect(run.artifacts.map((artifact) => artifact.path)).toEqual([
      `runs/${id}/checkpoint-50.bin`,
      `runs/${id}/checkpoint-100.bin`,
      `runs/${id}/model.json`,
    ]);
    expect(run.lastCheckpointStep).toBe(100);
    expect(() => store.addArtifact(id, { kind: 'other', path: '../outside.bin', bytes: 1 })).toThrow(InvalidInputError);
    expect(() => store.addArtifact(id, { kind: 'other', path: '/etc/passwd', bytes: 1 })).toThrow(InvalidInputError);

    expect(store.removeArtifact(id, `runs/${id}/checkpoint-50.bin`)).toBe(true);
    expect(fs.existsSync(path.join(folder, 'checkpoint-50.bin'))).toBe(false);
  });

  it('prepares an interrupted run for resume: config, checkpoint path, points after it dropped', () => {
    const config = sampleConfig();
    const id = store.createRun(config);
    store.markRunStarted(id, { backend: 'cpu' });
    const points = [];
    for (let step = 1; step <= 80; step += 1) points.push({ name: 'train/loss', step, samples: step * 128, wallTime: step, value: 1 / step });
    store.appendMetrics(id, points, 0.8);
    store.addArtifact(id, { kind: 'checkpoint', path: `runs/${id}/checkpoint-50`, bytes: 10, step: 50 });
    store.close();

    // Reopening after the process "died" marks the run interrupted.
    store = openStore(path.join(dir, 'studio.sqlite'));
    expect(store.recovered.runs).toEqual([id]);
    expect(store.getRun(id).status).toBe('interrupted');

    const resume = store.prepareResume(id);
    expect(resume).toEqual({
      runId: id,
      status: 'queued',
      config,
      lastCheckpointStep: 50,
      lastCheckpointPath: path.join(dir, 'runs', id, 'checkpoint-50'),
      droppedPoints: 30,
    });
    const [loss] = store.getMetrics({ ids: [id], names: ['train/loss'] });
    expect(loss!.step.at(-1)).toBe(50);
    store.markRunStarted(id, { backend: 'cpu' });
    expect(store.getRun(id).status).toBe('running');
  });

  it('deletes runs with their folders, refuses to delete a running run', () => {
    const keep = store.createRun(sampleConfig());
    const gone = store.createRun(sampleConfig());
    const running = store.createRun(sampleConfig());
    for (const id of [keep, gone]) {
      fs.writeFileSync(path.join(store.ensureRunFolder(id), 'checkpoint.bin'), 'weights');
      store.addArtifact(id, { kind: 'checkpoint', path: `runs/${id}/checkpoint.bin`, bytes: 7, step: 1 });
      store.appendMetrics(id, [{ name: 'train/loss', step: 1, samples: 1, wallTime: 1, value: 1 }]);
    }
    store.markRunStarted(running, { backend: 'cpu' });

    expect(() => store.deleteRuns([gone, running])).toThrow(InvalidTransitionError);
    expect(reader.listRuns()).toHaveLength(3);

    expect(store.deleteRuns([gone, 'never-existed'])).toBe(1);
    expect(fs.existsSync(path.join(dir, 'runs', gone))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'runs', keep, 'checkpoint.bin'))).toBe(true);
    expect(reader.listRuns().map((run) => run.id).sort()).toEqual([keep, running].sort());
    expect(reader.getMetrics({ ids: [gone] })).toEqual([]);
  });
});

describe('read and write connections', () => {
  it('the read-only store has no write methods, and its connection refuses writes at run time', () => {
    // Compile-time: these lines must NOT type-check (tsc fails if they ever do).
    const compileOnly = (readOnly: ReadonlyStore, readableDb: ReadableDB): void => {
      // @ts-expect-error a ReadonlyStore has no createRun
      readOnly.createRun(sampleConfig());
      // @ts-expect-error a ReadonlyStore has no deleteRuns
      readOnly.deleteRuns([]);
      // @ts-expect-error insertRun needs a WritableDB
      insertRun(readableDb, sampleConfig());
    };
    expect(typeof compileOnly).toBe('function');

    // Run-time: the reader's connection is opened { readonly: true }.
    const readableDb = (reader as unknown as { db: ReadableDB }).db;
    expect(readableDb.readonly).toBe(true);
    expect(() => readableDb.prepare("UPDATE runs SET name = 'x'").run()).toThrow(/readonly/i);
  });
});
