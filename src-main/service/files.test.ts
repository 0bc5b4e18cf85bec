/**
 * Issue #13: no silent overwrites, no relative paths resolved against the server's folder, and in
 * web mode no data file outside the allowed folders, through the service every door calls.
 * Validation happens before any worker starts, so these need no build.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store';
import { StudioService } from './create';
import { ApiError } from './validate';
import { SAMPLES_DIR } from '../engine/data/testing';

const root = mkdtempSync(join(tmpdir(), 'dlrm-files-'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
const dataDir = join(root, 'data');
mkdirSync(dataDir);

function service(door: 'web' | 'cli' | 'electron'): StudioService {
  return new StudioService(openStore(join(dataDir, `${door}.sqlite`)), { door, workerDir: join(root, 'no-worker'), dataDir, allowedDirs: [allowed] });
}
const web = service('web');
const cli = service('cli');

async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

afterAll(async () => {
  await web.close();
  await cli.close();
  rmSync(root, { recursive: true, force: true });
});

describe('output paths are never overwritten without asking', () => {
  const existing = join(allowed, 'mine.tsv');
  writeFileSync(existing, 'precious\n');

  it('data.generate refuses an existing file unless overwrite is true, and keeps it intact', async () => {
    for (const s of [web, cli]) {
      const error = await refusal(s.call('data.generate', { path: existing, rows: 10, seed: 1 }));
      expect(error.code).toBe('conflict');
      expect(error.field).toBe('path');
      expect(error.message).toContain(existing);
      expect(error.message).toMatch(/overwrite/);
    }
    expect(readFileSync(existing, 'utf8')).toBe('precious\n');
  });

  it('overwrite is validated as a boolean', async () => {
    const error = await refusal(web.call('data.generate', { path: existing, rows: 10, seed: 1, overwrite: 'yes' }));
    expect(error.field).toBe('overwrite');
    expect(error.code).toBe('bad-request');
  });

  it('with overwrite: true the request passes validation (it then needs the worker)', async () => {
    const error = await refusal(web.call('data.generate', { path: existing, rows: 10, seed: 1, overwrite: true }));
    // no worker in unit tests: the job fails to start, which shows the path checks let it through
    expect(error.code).toBe('internal');
  });

  it('runs.predict refuses an existing output file before looking at the run', async () => {
    const error = await refusal(cli.call('runs.predict', { id: 'no-such-run', path: join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt'), outPath: existing }));
    expect(error.code).toBe('conflict');
    expect(error.field).toBe('outPath');
  });

  it('a folder or a missing folder as output is a clear 4xx naming the path, no system error text', async () => {
    const folder = await refusal(web.call('data.generate', { path: allowed, rows: 10, seed: 1 }));
    expect(folder.code).toBe('bad-request');
    expect(folder.message).toMatch(/is a folder/);
    const missing = await refusal(web.call('data.generate', { path: join(allowed, 'no', 'such', 'x.tsv'), rows: 10, seed: 1 }));
    expect(missing.code).toBe('bad-request');
    expect(missing.message).toContain(join(allowed, 'no', 'such'));
    for (const e of [folder, missing]) expect(e.message).not.toMatch(/EISDIR|ENOENT/);
  });
});

describe('relative paths', () => {
  it('web mode refuses them instead of resolving against the server folder', async () => {
    const error = await refusal(web.call('data.generate', { path: 'synth.tsv', rows: 10, seed: 1 }));
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/absolute path/);
    const preview = await refusal(web.call('dataset.preview', { path: 'README.md' }));
    expect(preview.message).toMatch(/absolute path/);
    const start = await refusal(web.call('runs.start', startInput('day_0.tsv')));
    expect(start.field).toBe('dataset.path');
  });

  it('the desktop app refuses them too', async () => {
    const desktop = service('electron');
    try {
      const error = await refusal(desktop.call('dataset.preview', { path: 'data/day_0.tsv' }));
      expect(error.message).toMatch(/absolute path/);
    } finally {
      await desktop.close();
    }
  });
});

describe('web mode reads and writes data files only under the allowed folders', () => {
  const secret = join(outside, 'secret.txt');
  writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');

  it('dataset.preview outside is refused, naming the setting, without the file contents', async () => {
    const error = await refusal(web.call('dataset.preview', { path: secret }));
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/allowedDirs/);
    expect(error.message).toMatch(/--allow-dir/);
    expect(error.message).not.toMatch(/root:x/);
    const etc = await refusal(web.call('dataset.preview', { path: '/etc/passwd' }));
    expect(etc.message).toMatch(/allowedDirs/);
  });

  it('a symbolic link inside that points outside is refused', async () => {
    const link = join(allowed, 'link.txt');
    symlinkSync(secret, link);
    const error = await refusal(web.call('dataset.preview', { path: link }));
    expect(error.message).toMatch(/allowedDirs/);
  });

  it('a file inside is previewed', async () => {
    const copy = join(allowed, 'sample.txt');
    writeFileSync(copy, readFileSync(join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt')));
    const preview = (await web.call('dataset.preview', { path: copy, rows: 3 })) as { rows: string[][] };
    expect(preview.rows.length).toBe(3);
  });

  it('runs.start, runs.evaluate, runs.predict and data.generate are held to the same folders', async () => {
    expect((await refusal(web.call('runs.start', startInput(secret)))).field).toBe('dataset.path');
    expect((await refusal(web.call('runs.evaluate', { id: 'r1', path: secret }))).field).toBe('path');
    expect((await refusal(web.call('runs.predict', { id: 'r1', path: secret, outPath: join(allowed, 'p.txt') }))).field).toBe('path');
    expect((await refusal(web.call('runs.predict', { id: 'r1', path: join(allowed, 'sample.txt'), outPath: join(outside, 'p.txt') }))).field).toBe('outPath');
    const write = await refusal(web.call('data.generate', { path: join(outside, 'new.tsv'), rows: 10, seed: 1 }));
    expect(write.message).toMatch(/allowedDirs/);
  });

  it('a text file inside that is not Criteo data is not shown, and no bad value is quoted', async () => {
    const key = join(allowed, 'id_ed25519');
    writeFileSync(key, ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', 'QyNTUxOQAAACDx5vUvS0cretkeymaterial', '-----END OPENSSH PRIVATE KEY-----'].join('\n'));
    const error = await refusal(web.call('dataset.preview', { path: key }));
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/does not look like Criteo data/);
    expect(error.message).not.toMatch(/OPENSSH|b3Blbn|QyNTUx|secret/);
    // a Criteo file with one bad row: the problem names line and field, without the value
    const rows = readFileSync(join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt'), 'utf8').split('\n').slice(0, 5);
    rows[2] = rows[2]!.replace(/^[01]/, 'hunter2');
    const spoiled = join(allowed, 'spoiled.tsv');
    writeFileSync(spoiled, rows.join('\n'));
    const preview = (await web.call('dataset.preview', { path: spoiled })) as { problems: { line: number; field: string; message: string }[]; rows: string[][] };
    expect(preview.problems.map((p) => [p.line, p.field])).toEqual([[3, 'label']]);
    expect(preview.problems[0]!.message).not.toContain('hunter2');
    const local = (await cli.call('dataset.preview', { path: spoiled })) as { problems: { message: string }[] };
    expect(local.problems[0]!.message).toContain('hunter2');
  });

  it('runs.resume re-checks the data paths of a stored run (an imported run cannot point outside)', async () => {
    const store = web.context.store;
    const input = startInput(secret) as Parameters<typeof store.createRun>[0];
    const id = store.createRun(input, { name: 'imported' });
    store.markRunEnded(id, 'cancelled', null);
    const error = await refusal(web.call('runs.resume', { id }));
    expect(error.field).toBe('dataset.path');
    expect(error.message).toMatch(/allowedDirs/);
    expect(store.getRun(id).status).toBe('cancelled');
  });

  it('the CLI is not limited to those folders (the user runs it as themself)', async () => {
    const preview = (await cli.call('dataset.preview', { path: join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt'), rows: 2 })) as { rows: string[][] };
    expect(preview.rows.length).toBe(2);
  });
});

function startInput(path: string): unknown {
  return {
    model: { kind: 'lr', embeddingDim: 4, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 100 },
    optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1 },
    dataset: { kind: 'file', path },
    train: { batchSize: 16, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0.01, checkpointEvery: 0 },
  };
}
