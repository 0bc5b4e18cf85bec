/**
 * Files a newcomer can hold in their head: a source file over 400 lines says why at its top, in a
 * line starting "Over 400 lines:" within its first five lines (issue #17).
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/imports';

const root = resolve(__dirname, '../..');
const LIMIT = 400;

/** Files over the limit without a reason at the top. */
export function unexplainedLongFiles(files: { path: string; text: string }[]): string[] {
  return files
    .filter(({ text }) => text.split('\n').length > LIMIT)
    .filter(({ text }) => !text.split('\n').slice(0, 5).some((line) => /Over 400 lines: \S/.test(line)))
    .map(({ path }) => path);
}

describe('file size', () => {
  it('every source file over 400 lines says why at its top', () => {
    const files = [...sourceFiles(join(root, 'src-main')), ...sourceFiles(join(root, 'src-renderer/src'))]
      .filter((file) => !/\.test\.ts$/.test(file))
      .map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(unexplainedLongFiles(files)).toEqual([]);
  });

  it('fails on a long file without a reason, passes with one', () => {
    const long = Array.from({ length: 450 }, (_, i) => `const x${i} = ${i};`).join('\n');
    expect(unexplainedLongFiles([{ path: 'a.ts', text: long }])).toEqual(['a.ts']);
    expect(unexplainedLongFiles([{ path: 'a.ts', text: `/**\n * Over 400 lines: one table.\n */\n${long}` }])).toEqual([]);
    expect(unexplainedLongFiles([{ path: 'b.ts', text: 'const short = 1;\n' }])).toEqual([]);
  });
});
