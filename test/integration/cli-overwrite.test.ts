/**
 * Issue #13: the CLI replaces an existing output file only with --overwrite (generate, and the runs
 * exports), and says so in one line naming the path; the file is left as it was.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/browser';

const cli = join(repoRoot, 'out/main/cli.js');

function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI --overwrite', () => {
  it('generate refuses an existing file without --overwrite and replaces it with', () => {
    expect(existsSync(cli), 'out/main/cli.js is missing: run `npm run build` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'dlrm-cli-overwrite-'));
    const dataDir = join(dir, 'data');
    const target = join(dir, 'mine.tsv');
    writeFileSync(target, 'precious\n');
    // a relative --out resolves against the shell's folder (the CLI's cwd), which the user chose
    const refused = run(['generate', '--out', 'mine.tsv', '--rows', '50', '--data-dir', dataDir, '--json'], dir);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(target);
    expect(refused.stderr).toMatch(/--overwrite|overwrite: true/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    const replaced = run(['generate', '--out', 'mine.tsv', '--rows', '50', '--overwrite', '--data-dir', dataDir, '--json'], dir);
    expect(replaced.status).toBe(0);
    expect(readFileSync(target, 'utf8').trimEnd().split('\n').length).toBe(50);

    const exportFile = join(dir, 'runs.json');
    writeFileSync(exportFile, 'keep');
    const exported = run(['runs', 'export', '--out', exportFile, '--data-dir', dataDir], dir);
    expect(exported.status).not.toBe(0);
    expect(exported.stderr).toContain('--overwrite');
    expect(readFileSync(exportFile, 'utf8')).toBe('keep');
  });
});
