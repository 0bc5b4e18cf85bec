/**
 * Issue #13 reader findings, on real Criteo rows (../shared/data/criteo-samples): a stray NUL is one
 * bad row (the file is binary only by a share test), a UTF-8 byte-order mark is skipped, blank lines
 * are counted apart from bad rows, and every error names file, line and field without quoting
 * file contents.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR, temporaryDirectory } from './testing';

/** The 100 rows of a PaddleRec sample (every row has all 40 fields). */
const REAL_ROWS = readFileSync(join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt'), 'utf8').split('\n').filter((l) => l.length > 0);

async function read(path: string, options = {}) {
  const lines: number[] = [];
  const summary = await readCriteoFile(path, (_row, line) => lines.push(line), options);
  return { lines, summary };
}

describe('reader edge cases (issue #13)', () => {
  const tmp = temporaryDirectory('dlrm-edges-');
  afterAll(tmp.remove);

  it('a NUL byte in the first KiB is one bad row naming line and field, not a binary file', async () => {
    const rows = REAL_ROWS.slice(0, 20);
    // line 2, in C1 (field 15): "05db9164" -> "05d\0b9164"
    const fields = rows[1]!.split('\t');
    fields[14] = `${fields[14]!.slice(0, 3)}\0${fields[14]!.slice(3)}`;
    const corrupted = [rows[0], fields.join('\t'), ...rows.slice(2)].join('\n') + '\n';
    expect(Buffer.from(corrupted).indexOf(0)).toBeLessThan(1024);
    const path = join(tmp.dir, 'nul.tsv');
    writeFileSync(path, corrupted);
    const { summary, lines } = await read(path);
    expect(summary.rows).toBe(19);
    expect(summary.badRows).toBe(1);
    expect(summary.reports[0]).toMatchObject({ file: path, line: 2, field: 'C1' });
    expect(lines).toEqual([1, ...Array.from({ length: 18 }, (_, i) => i + 3)]);
  });

  it('a NUL in the label of the very first line is a bad row too', async () => {
    const path = join(tmp.dir, 'nul-first.tsv');
    writeFileSync(path, ['\0' + REAL_ROWS[0]!.slice(1), ...REAL_ROWS.slice(1, 10)].join('\n'));
    const { summary } = await read(path);
    expect(summary.rows).toBe(9);
    expect(summary.reports.map((r) => [r.line, r.field])).toEqual([[1, 'label']]);
  });

  it('a file that is mostly NULs or invalid UTF-8 is still refused as binary, naming the file', async () => {
    const zeros = join(tmp.dir, 'zeros.bin');
    writeFileSync(zeros, Buffer.concat([Buffer.from(REAL_ROWS[0]! + '\n'), Buffer.alloc(4096)]));
    const error = await read(zeros).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/looks binary/);
    expect((error as DatasetError).file).toBe(zeros);
    const random = join(tmp.dir, 'random.bin');
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(random, bytes);
    await expect(read(random)).rejects.toThrow(/looks binary/);
  });

  it('strips a UTF-8 byte-order mark, with and without a header, plain and gzip', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const plain = join(tmp.dir, 'bom.tsv');
    writeFileSync(plain, Buffer.concat([bom, Buffer.from(REAL_ROWS.slice(0, 10).join('\n'))]));
    const { summary } = await read(plain);
    expect(summary.badRows).toBe(0);
    expect(summary.rows).toBe(10);
    const csvSample = readFileSync(join(SAMPLES_DIR, 'deepctr_criteo_sample.txt'));
    const csv = join(tmp.dir, 'bom.csv.gz');
    writeFileSync(csv, gzipSync(Buffer.concat([bom, csvSample])));
    const withHeader = await read(csv);
    expect(withHeader.summary.info.hasHeader).toBe(true);
    expect(withHeader.summary.rows).toBe(200);
    expect(withHeader.summary.badRows).toBe(0);
  });

  it('skips blank lines and counts them apart, keeping line numbers', async () => {
    const path = join(tmp.dir, 'blank.tsv');
    // a blank line before the first row, one between every two rows, CRLF blanks, two at the end
    const lines = ['', ...REAL_ROWS.slice(0, 50).flatMap((r, i) => (i % 2 === 0 ? [r, ''] : [r, '\r']))];
    writeFileSync(path, lines.join('\n') + '\n\n');
    const { summary, lines: seen } = await read(path, { maxBadShare: 0.01, minLinesForBadShare: 10 });
    expect(summary.rows).toBe(50);
    expect(summary.badRows).toBe(0);
    expect(summary.blankLines).toBe(1 + 50 + 1);
    expect(summary.lines).toBe(50);
    expect(seen.slice(0, 3)).toEqual([2, 4, 6]);
  });

  it('a file of blank lines only is refused as having no rows, naming the file', async () => {
    const path = join(tmp.dir, 'blanks-only.tsv');
    writeFileSync(path, '\n\n\r\n\n');
    const error = await read(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/no data rows|blank/);
    expect((error as DatasetError).file).toBe(path);
  });

  it('the too-many-bad-rows error names file, line and field and quotes no file contents', async () => {
    const path = join(tmp.dir, 'accounts.txt');
    writeFileSync(path, Array.from({ length: 30 }, (_, i) => `root:x:0:0:secret-${i}:/root:/bin/bash`).join('\n'));
    const error = await read(path, { maxBadShare: 0.1, minLinesForBadShare: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    const dataset = error as DatasetError;
    expect(dataset.file).toBe(path);
    expect(dataset.line).toBe(1);
    expect(dataset.field).toBe('label');
    expect(dataset.message).toContain(path);
    expect(dataset.message).toMatch(/line 1, label/);
    expect(dataset.message).not.toMatch(/root|secret-|bash/);
  });

  it('a wrong header is reported by field without quoting it', async () => {
    const path = join(tmp.dir, 'header.csv');
    const header = ['label', ...Array.from({ length: 13 }, (_, i) => `I${i + 1}`), ...Array.from({ length: 26 }, (_, i) => `C${i + 1}`)];
    header[5] = 'password=hunter2';
    writeFileSync(path, header.join(',') + '\n' + REAL_ROWS[0]!.replaceAll('\t', ',') + '\n');
    const error = await read(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).field).toBe('I5');
    expect((error as DatasetError).line).toBe(1);
    expect((error as DatasetError).message).not.toContain('hunter2');
  });

  it('a line over the length limit names file, line and field', async () => {
    const path = join(tmp.dir, 'long.tsv');
    writeFileSync(path, REAL_ROWS[0] + '\n' + REAL_ROWS[1] + '\t' + 'a'.repeat(1.5 * 2 ** 20) + '\n');
    const error = await read(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toMatchObject({ file: path, line: 2, field: 'row' });
  });

  it('a missing file and a folder get plain messages naming the path, not system error text', async () => {
    const missing = join(tmp.dir, 'nope.tsv');
    const e1 = (await read(missing).catch((e: unknown) => e)) as DatasetError;
    expect(e1).toBeInstanceOf(DatasetError);
    expect(e1.message).toContain(missing);
    expect(e1.message).not.toMatch(/ENOENT|EISDIR|stat /);
    const e2 = (await read(tmp.dir).catch((e: unknown) => e)) as DatasetError;
    expect(e2.message).toMatch(/folder/);
    expect(e2.message).not.toMatch(/EISDIR/);
  });
});
