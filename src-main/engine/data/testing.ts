/** Helpers for data/ tests and bench.ts (temporary directories, the shared sample files). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (three levels above this folder). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** Real Criteo samples beside the repository. */
export const SAMPLES_DIR = resolve(REPO_ROOT, '../shared/data/criteo-samples');

/** A fresh temporary directory and its remover. */
export function temporaryDirectory(prefix = 'dlrm-data-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
