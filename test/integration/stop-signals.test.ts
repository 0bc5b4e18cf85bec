/**
 * Issue #13: what a stop signal does to a run in flight. Decision: a signal stops the PROCESS, not
 * the run, so the run is `interrupted` (resumable, the same state a kill -9 leaves), and the
 * message says so; `cancelled` is kept for a user's explicit cancel of that run (runs.cancel, the
 * Cancel button). Checked for web mode's SIGTERM and the CLI's Ctrl+C and SIGTERM: the printed
 * message and the stored status agree, and the run resumes to the end.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadonlyStore, openStore } from '../../src-main/store';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');
const web = join(repoRoot, 'out/main/web.js');
const TRAIN = ['--data', 'synthetic', '--rows', '40000', '--hash-size', '2000', '--batch', '128', '--epochs', '1', '--eval-every', '0', '--checkpoint-every', '20', '--backend', 'wasm', '--threads', '1'];

/** Waits until the first run of the database has a checkpoint at step >= 20; returns its id. */
async function waitForCheckpoint(dbPath: string, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (child.exitCode !== null) throw new Error(`the process exited early (${child.exitCode})`);
    if (!existsSync(dbPath)) continue;
    let reader: ReturnType<typeof openReadonlyStore>;
    try {
      reader = openReadonlyStore(dbPath);
    } catch {
      continue; // created but not migrated yet
    }
    try {
      const run = reader.listRuns({})[0];
      if (run && (reader.getRun(run.id).lastCheckpointStep ?? 0) >= 20) return run.id;
    } finally {
      reader.close();
    }
  }
  throw new Error('no checkpoint in 150 s');
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  return () => text;
}

function statusOf(dbPath: string, id: string): { status: string; error: string | null } {
  const store = openStore(dbPath);
  try {
    expect(store.integrityCheck()).toEqual(['ok']);
    const run = store.getRun(id);
    return { status: run.status, error: run.error };
  } finally {
    store.close();
  }
}

function resumeToEnd(dataDir: string, id: string): void {
  const resumed = spawnSync(process.execPath, [cli, 'resume', '--run', id, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 240_000 });
  expect(resumed.status, resumed.stderr).toBe(0);
  expect((JSON.parse(resumed.stdout) as { status: string }).status).toBe('finished');
}

describe('stop signals leave runs interrupted, as the message says', () => {
  it('web mode SIGTERM: "marked interrupted" printed and stored', async () => {
    expect(existsSync(web), 'out/main/web.js is missing: run `npm run build` first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-sigterm-web-'));
    const child = spawn(process.execPath, [web, '--port', '0', '--data-dir', dataDir, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collect(child);
    const deadline = Date.now() + 60_000;
    while (!/#token=/.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const link = /(http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]+)/.exec(output())!;
    const response = await fetch(`${link[1]}/api/call/runs.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${link[2]}` },
      body: JSON.stringify({
        model: { kind: 'dlrm', preset: 'criteo-kaggle', embeddingDim: 16, bottomMlp: '13-64-16', topMlp: '64-1', interaction: 'dot', hashSize: 2000 },
        optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1 },
        dataset: { kind: 'synthetic', rows: 40000, seed: 1 },
        train: { batchSize: 128, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0.01, checkpointEvery: 20, backend: 'wasm', threads: 1 },
      }),
    });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    const dbPath = join(dataDir, 'studio.sqlite');
    expect(await waitForCheckpoint(dbPath, child)).toBe(id);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(output()).toMatch(/marked interrupted/);
    const stored = statusOf(dbPath, id);
    expect(stored.status).toBe('interrupted');
    expect(stored.error).toMatch(/can be resumed/);
    resumeToEnd(dataDir, id);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`CLI ${signal === 'SIGINT' ? 'Ctrl+C' : 'SIGTERM'} during train: printed, stored and returned as interrupted`, async () => {
      expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
      const dataDir = mkdtempSync(join(tmpdir(), `dlrm-${signal.toLowerCase()}-cli-`));
      const child = spawn(process.execPath, [cli, 'train', ...TRAIN, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const output = collect(child);
      const dbPath = join(dataDir, 'studio.sqlite');
      const id = await waitForCheckpoint(dbPath, child);
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(1);
      expect(output()).toMatch(/interrupted/);
      expect(output()).toContain(`resume --run ${id}`);
      expect(output()).toMatch(/"status": "interrupted"/);
      expect(output()).not.toMatch(/cancell/);
      expect(statusOf(dbPath, id).status).toBe('interrupted');
      if (signal === 'SIGINT') resumeToEnd(dataDir, id);
    });
  }
});
