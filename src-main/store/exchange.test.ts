import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportFormatError } from './errors';
import { csvField, EXPORT_VERSION } from './exchange';
import { makeTempDir, sampleConfig } from './fixtures/testing';
import { openStore, type WritableStore } from './store';

let dir: string;
let store: WritableStore;

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(path.join(dir, 'studio.sqlite'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A finished run with tags, notes, dataset, metrics (one null value) and a checkpoint file. */
function finishedRun(name: string): string {
  const id = store.createRun(sampleConfig({ name, tags: ['export', 'b'] }));
  store.markRunStarted(id, { backend: 'wasm', backendDetail: 'simd', paramCount: 999 });
  store.setRunDataset(id, { kind: 'synthetic', rows: 100, badRows: 1, trainRows: 80, validRows: 10, testRows: 10 });
  store.setRunNotes(id, 'notes, with "quotes"\nand a new line');
  store.appendMetrics(id, [
    { name: 'train/loss', step: 1, samples: 10, wallTime: 0.25, value: 0.7 },
    { name: 'train/loss', step: 2, samples: 20, wallTime: 0.5, value: null },
    { name: 'valid/auc', step: 2, samples: 20, wallTime: 0.6, value: 0.61 },
  ]);
  fs.writeFileSync(path.join(store.ensureRunFolder(id), 'ckpt-2.bin'), 'w');
  store.addArtifact(id, { kind: 'checkpoint', path: `runs/${id}/ckpt-2.bin`, bytes: 1, step: 2, createdAt: '2026-03-03T00:00:00.000Z' });
  store.setRunBest(id, { metric: 'auc', value: 0.61, step: 2, trainedSteps: 2, totalSteps: 10, stoppedEarly: true });
  store.markRunEnded(id, 'finished');
  return id;
}

describe('export and import', () => {
  it('round-trips runs through JSON into another database, keeping ids that are free', () => {
    const first = finishedRun('first');
    const second = finishedRun('second, "quoted"');
    const json = store.exportRunsJson([second, first, 'unknown-id']);
    const document = JSON.parse(json) as { format: string; version: number; runs: { id: string }[] };
    expect(document.format).toBe('dlrm-studio-runs');
    expect(document.version).toBe(EXPORT_VERSION);
    expect(document.runs.map((run) => run.id)).toEqual([second, first]);

    const otherDir = makeTempDir();
    const other = openStore(path.join(otherDir, 'studio.sqlite'));
    try {
      const result = other.importRuns(json);
      // Free ids are kept; the artifact files are not in the JSON and absent there: dropped.
      expect(result).toEqual({ ids: [second, first], renamed: [], droppedArtifacts: 2 });
      for (const id of [first, second]) {
        const { artifacts: originalArtifacts, ...original } = store.getRun(id);
        const { artifacts: importedArtifacts, ...imported } = other.getRun(id);
        expect(imported).toEqual({ ...original, lastCheckpointStep: null });
        expect(imported.bestAt).toEqual({ metric: 'auc', value: 0.61, step: 2, trainedSteps: 2, totalSteps: 10, stoppedEarly: true });
        expect(originalArtifacts).toHaveLength(1);
        expect(importedArtifacts).toEqual([]);
        expect(other.getMetrics({ ids: [id] })).toEqual(store.getMetrics({ ids: [id] }));
      }
      // Exporting the imported runs again gives the same runs.
      const again = JSON.parse(other.exportRunsJson([second, first])) as { runs: { artifacts: unknown[] }[] };
      const originalRuns = (document as unknown as { runs: { artifacts: unknown[] }[] }).runs;
      expect(again.runs.map(({ artifacts: _artifacts, ...rest }) => rest)).toEqual(originalRuns.map(({ artifacts: _artifacts, ...rest }) => rest));
    } finally {
      other.close();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('gives new ids when the exported ids are taken, and keeps artifacts only for runs that kept their id', () => {
    const id = finishedRun('only');
    const json = store.exportRunsJson([id]);
    const result = store.importRuns(json);
    expect(result.ids).toHaveLength(1);
    expect(result.ids[0]).not.toBe(id);
    expect(result.renamed).toEqual([{ from: id, to: result.ids[0] }]);
    expect(result.droppedArtifacts).toBe(1);
    expect(store.getRun(result.ids[0]!).name).toBe('only');
    expect(store.listRuns()).toHaveLength(2);

    // Delete the original then import: the id is free and the file... was deleted with the run.
    store.deleteRuns([id]);
    expect(store.importRuns(json)).toEqual({ ids: [id], renamed: [], droppedArtifacts: 1 });
    // With the file present, the artifact record is kept.
    store.deleteRuns([id]);
    fs.writeFileSync(path.join(store.ensureRunFolder(id), 'ckpt-2.bin'), 'w');
    expect(store.importRuns(json).droppedArtifacts).toBe(0);
    expect(store.getRun(id).lastCheckpointStep).toBe(2);
  });

  it('imports a run exported while running as interrupted', () => {
    const id = store.createRun(sampleConfig());
    store.markRunStarted(id, { backend: 'cpu' });
    const json = store.exportRunsJson([id]);
    const imported = store.importRuns(json).ids[0]!;
    expect(store.getRun(imported).status).toBe('interrupted');
  });

  it('refuses malformed documents with the path of the problem, importing nothing', () => {
    const id = finishedRun('bad');
    const good = JSON.parse(store.exportRunsJson([id])) as { runs: Record<string, unknown>[] };
    const cases: [unknown, RegExp][] = [
      ['not json', /\$: not JSON/],
      [{ format: 'other' }, /\$\.format/],
      [{ ...good, version: EXPORT_VERSION + 1 }, /newer DLRM Studio/],
      [{ ...good, runs: [{ ...good.runs[0], id: '../../etc' }] }, /\$\.runs\[0\]\.id/],
      [{ ...good, runs: [{ ...good.runs[0], status: 'exploded' }] }, /\$\.runs\[0\]\.status/],
      [{ ...good, runs: [{ ...good.runs[0], bestAt: { metric: 'accuracy', value: 1, step: 1, trainedSteps: 1, totalSteps: 1, stoppedEarly: false } }] }, /\$\.runs\[0\]\.bestAt/],
      [{ ...good, runs: [good.runs[0], { ...good.runs[0], metrics: [{ name: 'x', points: [[1, 2, 'three', 4]] }] }] }, /\$\.runs\[1\]\.metrics\[0\]\.points\[0\]/],
    ];
    for (const [document, message] of cases) {
      expect(() => store.importRuns(typeof document === 'string' ? document : JSON.stringify(document))).toThrow(ImportFormatError);
      expect(() => store.importRuns(typeof document === 'string' ? document : JSON.stringify(document))).toThrow(message);
    }
    expect(store.listRuns()).toHaveLength(1);
  });
});

describe('CSV of metrics', () => {
  it('writes a header and one quoted-where-needed line per point, in the order of the ids', () => {
    const first = finishedRun('plain');
    const second = finishedRun('with, comma and "quote"');
    const csv = store.exportMetricsCsv([second, first]);
    expect(csv.split('\n')).toEqual([
      'run_id,run_name,metric,step,samples,wall_time,value',
      `${second},"with, comma and ""quote""",train/loss,1,10,0.25,0.7`,
      `${second},"with, comma and ""quote""",train/loss,2,20,0.5,`,
      `${second},"with, comma and ""quote""",valid/auc,2,20,0.6,0.61`,
      `${first},plain,train/loss,1,10,0.25,0.7`,
      `${first},plain,train/loss,2,20,0.5,`,
      `${first},plain,valid/auc,2,20,0.6,0.61`,
      '',
    ]);
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
    expect(csvField(1e-7)).toBe('1e-7');
  });
});
