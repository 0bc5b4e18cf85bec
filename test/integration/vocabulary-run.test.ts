/**
 * A run whose categories are encoded by a vocabulary (values seen at least min-count times in the
 * training rows get their own rows) instead of hashing, on real Criteo rows, through the CLI: the
 * tables are sized by the vocabulary, and the saved model scores new rows with the same vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/browser';

const sample = join(repoRoot, '../shared/data/criteo-samples/pytorchfm_jqsl2012_criteo_train.txt');
const cli = (args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'out/main/cli.js'), ...args], { encoding: 'utf8', timeout: 240_000 });

interface Detail {
  id: string;
  status: string;
  paramCount: number;
  config: { dataset: { categories?: { encoding: string; minCount?: number } } };
  test: { auc: number | null };
}

describe('vocabulary encoding', () => {
  it('sizes the tables by the vocabulary and predicts with it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-vocab-'));
    const train = (extra: string[]) => {
      const run = cli(['train', '--data', sample, '--split', 'random', '--batch', '64', '--dim', '4', '--bottom', '13-8-4', '--top', '8-1',
        '--hash-size', '100000', '--threads', '1', '--data-dir', dataDir, '--json', ...extra]);
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Detail;
    };
    const hashed = train([]);
    const vocab = train(['--categories', 'vocab', '--min-count', '2']);
    expect(vocab.status).toBe('finished');
    expect(vocab.config.dataset.categories).toEqual({ encoding: 'vocab', minCount: 2 });
    // 26 hashed tables of 100,000 rows x 4 dims; a vocabulary of values seen twice in ~800 rows is tiny
    expect(hashed.paramCount).toBeGreaterThan(26 * 100_000 * 4);
    expect(vocab.paramCount).toBeLessThan(hashed.paramCount / 20);
    const out = join(dataDir, 'scores.txt');
    const predicted = cli(['predict', '--run', vocab.id, '--data', sample, '--out', out, '--data-dir', dataDir]);
    expect(predicted.status, predicted.stderr).toBe(0);
    const scores = readFileSync(out, 'utf8').trim().split('\n').map(Number);
    expect(scores.length).toBe(readFileSync(sample, 'utf8').trim().split('\n').length);
    expect(scores.every((p) => p > 0 && p < 1)).toBe(true);
  });
});
