import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { MISSING_CATEGORY } from './parse';
import type { RawRow } from './parse';
import { previewFile } from './preview';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR, temporaryDirectory } from './testing';

interface Collected {
  labels: number[];
  dense: number[][];
  categorical: number[][];
  lines: number[];
}

async function collect(path: string, options = {}) {
  const rows: Collected = { labels: [], dense: [], categorical: [], lines: [] };
  const summary = await readCriteoFile(
    path,
    (row: RawRow, line: number) => {
      rows.labels.push(row.label);
      rows.dense.push(Array.from(row.dense));
      rows.categorical.push(Array.from(row.categorical));
      rows.lines.push(line);
    },
    options,
  );
  return { rows, summary };
}

/**
 * An independent, string-based reading of a clean file, the way ../shared/peer/torch_dlrm.py does it
 * (split, pad to 40, int() / int(hex, 16)), to compare the byte parser against on every row.
 */
function referenceRead(path: string, separator: string, header: boolean): { label: number; dense: number[]; categorical: number[]; fields: number }[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(header ? 1 : 0).map((line) => {
    const fields = line.split(separator);
    const count = fields.length;
    while (fields.length < 40) fields.push('');
    return {
      label: Number(fields[0]),
      dense: fields.slice(1, 14).map((v) => (v === '' ? NaN : Number(v))),
      categorical: fields.slice(14, 40).map((v) => (v === '' ? MISSING_CATEGORY : parseInt(v, 16))),
      fields: count,
    };
  });
}

// Row and click counts from ../shared/data/criteo-samples/README.md.
const SAMPLES = [
  { file: 'pytorchfm_jqsl2012_criteo_train.txt', rows: 1000, clicks: 205, format: 'tsv', stripped: 498 },
  { file: 'paddlerec_dnn_sample_train.txt', rows: 100, clicks: 29, format: 'tsv', stripped: 0 },
  { file: 'paddlerec_dnn_sample_test.txt', rows: 100, clicks: 36, format: 'tsv', stripped: 39 },
  { file: 'paddlerec_ctr_dnn_sample_train_afec7a4.txt', rows: 100, clicks: 24, format: 'tsv', stripped: 36 },
  { file: 'deepctr_criteo_sample.txt', rows: 200, clicks: 49, format: 'csv', stripped: 0 },
];

describe('real Criteo samples', () => {
  for (const sample of SAMPLES) {
    it(`${sample.file}: ${sample.rows} rows, ${sample.clicks} clicks, every value as a string reading gives`, async () => {
      const path = join(SAMPLES_DIR, sample.file);
      const { rows, summary } = await collect(path);
      expect(summary.info.format).toBe(sample.format);
      expect(summary.info.hasHeader).toBe(sample.format === 'csv');
      expect(summary.rows).toBe(sample.rows);
      expect(summary.badRows).toBe(0);
      expect(rows.labels.reduce((s, v) => s + v, 0)).toBe(sample.clicks);
      const expected = referenceRead(path, sample.format === 'csv' ? ',' : '\t', sample.format === 'csv');
      expect(expected.length).toBe(sample.rows);
      expect(expected.filter((r) => r.fields < 40).length).toBe(sample.stripped);
      for (let i = 0; i < expected.length; i++) {
        expect(rows.labels[i]).toBe(expected[i].label);
        expect(rows.dense[i]).toEqual(expected[i].dense);
        expect(rows.categorical[i]).toEqual(expected[i].categorical);
      }
      // line numbers count the header
      expect(rows.lines[0]).toBe(sample.format === 'csv' ? 2 : 1);
    });
  }

  it('reads the first Kaggle row field by field', async () => {
    // head -1 pytorchfm_jqsl2012_criteo_train.txt:
    // 0 1 1 5 0 1382 4 15 2 181 1 2 "" 2 68fd1e64 80e26c9b fb936136 7b4723c4 25c83c98 7e0ccccf de7995b8 1f89b562
    // a73ee510 a8cd5504 b2cb9c98 37c9c164 2824a5f6 1adce6ef 8ba8b39a 891b62e7 e5ba7672 f54016b9 21ddcdc9 b1252a9d
    // 07b5194c "" 3a171ecb c5c50484 e8b83407 9727dd16
    const { rows } = await collect(join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt'), { maxLines: 1 });
    expect(rows.labels).toEqual([0]);
    expect(rows.dense[0]).toEqual([1, 1, 5, 0, 1382, 4, 15, 2, 181, 1, 2, NaN, 2]);
    const hex = '68fd1e64 80e26c9b fb936136 7b4723c4 25c83c98 7e0ccccf de7995b8 1f89b562 a73ee510 a8cd5504 b2cb9c98 37c9c164 2824a5f6 1adce6ef 8ba8b39a 891b62e7 e5ba7672 f54016b9 21ddcdc9 b1252a9d 07b5194c - 3a171ecb c5c50484 e8b83407 9727dd16'.split(' ');
    expect(rows.categorical[0]).toEqual(hex.map((h) => (h === '-' ? MISSING_CATEGORY : parseInt(h, 16))));
    expect(rows.categorical[0][0]).toBe(0x68fd1e64);
  });

  it('reads the first CSV row with float-written integers', async () => {
    // line 2 of deepctr_criteo_sample.txt: 0,,3,260.0,,17668.0,,,33.0,,,,0.0,,05db9164,...,87c6f83c,,,0429f84b,,3a171ecb,c0d61a5c,,
    const { rows } = await collect(join(SAMPLES_DIR, 'deepctr_criteo_sample.txt'), { maxLines: 1 });
    expect(rows.dense[0]).toEqual([NaN, 3, 260, NaN, 17668, NaN, NaN, 33, NaN, NaN, NaN, 0, NaN]);
    expect(rows.categorical[0][0]).toBe(0x05db9164);
    expect(rows.categorical[0].slice(17, 26)).toEqual([0x87c6f83c, -1, -1, 0x0429f84b, -1, 0x3a171ecb, 0xc0d61a5c, -1, -1]);
  });

  it('previews a file', async () => {
    const preview = await previewFile(join(SAMPLES_DIR, 'deepctr_criteo_sample.txt'), 5);
    expect(preview.format).toBe('csv');
    expect(preview.header[0]).toBe('label');
    expect(preview.header[39]).toBe('C26');
    expect(preview.rows.length).toBe(5);
    expect(preview.rows[0][3]).toBe('260.0');
    expect(preview.rowsRead).toBe(5);
    expect(preview.badRows).toBe(0);
    expect(preview.bytes).toBe(52518);
    // first 5 labels of the file: 0,0,0,0,0? computed from the file below
    const labels = readFileSync(join(SAMPLES_DIR, 'deepctr_criteo_sample.txt'), 'utf8').split('\n').slice(1, 6).map((l) => Number(l.split(',')[0]));
    expect(preview.clickRate).toBeCloseTo(labels.reduce((s, v) => s + v, 0) / 5, 12);
  });
});

describe('edge cases', () => {
  const tmp = temporaryDirectory();
  afterAll(tmp.remove);
  const full = ['1', '5', '-1', '', '7', ...new Array<string>(9).fill(''), 'a', 'ffffffff', '0', ...new Array<string>(23).fill('')];

  it('pads stripped trailing fields and accepts CRLF and a trailing separator', async () => {
    const path = join(tmp.dir, 'stripped.tsv');
    writeFileSync(path, ['0\t3', '1\t\t\t\t\t\t\t\t\t\t\t\t\t\t0a\r', full.join('\t')].join('\n'));
    const { rows, summary } = await collect(path);
    expect(summary.badRows).toBe(0);
    expect(rows.dense[0]).toEqual([3, ...new Array(12).fill(NaN)]);
    expect(rows.categorical[0]).toEqual(new Array(26).fill(-1));
    expect(rows.labels[1]).toBe(1);
    expect(rows.categorical[1][0]).toBe(10);
    expect(rows.dense[2].slice(0, 4)).toEqual([5, -1, NaN, 7]);
    expect(rows.categorical[2].slice(0, 3)).toEqual([10, 4294967295, 0]);
  });

  it('reports bad rows with line and field, and goes on', async () => {
    const path = join(tmp.dir, 'bad.tsv');
    const lines = [
      full.join('\t'), // 1 fine
      ['2', ...full.slice(1)].join('\t'), // 2 bad label
      [...full.slice(0, 7), 'x7', ...full.slice(8)].join('\t'), // 3 I7 not an integer
      [...full.slice(0, 16), 'zz', ...full.slice(17)].join('\t'), // 4 C3 not hex
      [...full, 'extra'].join('\t'), // 5 41 fields
      [...full.slice(0, 14), '123456789', ...full.slice(15)].join('\t'), // 6 C1 too long
      [...full.slice(0, 2), '1.5', ...full.slice(3)].join('\t'), // 7 I2 fraction
      '', // 8 empty line: skipped and counted apart, not a bad row
      full.join('\t'), // 9 fine
    ];
    writeFileSync(path, lines.join('\n') + '\n');
    const { rows, summary } = await collect(path);
    expect(summary.rows).toBe(2);
    expect(rows.lines).toEqual([1, 9]);
    expect(summary.badRows).toBe(6);
    expect(summary.blankLines).toBe(1);
    expect(summary.reports.map((r) => [r.line, r.field])).toEqual([
      [2, 'label'],
      [3, 'I7'],
      [4, 'C3'],
      [5, 'row'],
      [6, 'C1'],
      [7, 'I2'],
    ]);
    expect(summary.reports[1].message).toContain('"x7"');
    expect(summary.reports[0].file).toBe(path);
  });

  it('stops with a clear error when the bad share passes the threshold', async () => {
    const path = join(tmp.dir, 'mostly-bad.tsv');
    const good = full.join('\t');
    const bad = ['x', ...full.slice(1)].join('\t');
    writeFileSync(path, Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? bad : good)).join('\n'));
    await expect(collect(path, { maxBadShare: 0.2, minLinesForBadShare: 10 })).rejects.toThrow(/25 of 100 rows are malformed/);
    const { summary } = await collect(path, { maxBadShare: 0.3, minLinesForBadShare: 10 });
    expect(summary.badRows).toBe(25);
  });

  it('rejects empty, binary, header-only and truncated gzip files with DatasetError', async () => {
    const empty = join(tmp.dir, 'empty.tsv');
    writeFileSync(empty, '');
    await expect(collect(empty)).rejects.toThrow(DatasetError);
    await expect(collect(empty)).rejects.toThrow(/empty/);
    const binary = join(tmp.dir, 'binary.bin');
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10, 0x20]));
    await expect(collect(binary)).rejects.toThrow(/looks binary/);
    const latin = join(tmp.dir, 'latin.tsv');
    writeFileSync(latin, Buffer.from([0x31, 0x09, 0xff, 0xfe, 0x0a]));
    await expect(collect(latin)).rejects.toThrow(/invalid UTF-8/);
    const headerOnly = join(tmp.dir, 'header.csv');
    writeFileSync(headerOnly, 'label,' + [...Array(13).keys()].map((i) => `I${i + 1}`).join(',') + ',' + [...Array(26).keys()].map((i) => `C${i + 1}`).join(',') + '\n');
    await expect(collect(headerOnly)).rejects.toThrow(/no data rows/);
    const compressed = gzipSync(Buffer.from(Array.from({ length: 2000 }, () => full.join('\t')).join('\n')));
    const truncated = join(tmp.dir, 'truncated.tsv.gz');
    writeFileSync(truncated, compressed.subarray(0, Math.floor(compressed.length / 2)));
    const error = await collect(truncated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/truncated/);
    expect((error as DatasetError).file).toBe(truncated);
    await expect(collect(join(tmp.dir, 'missing.tsv'))).rejects.toThrow(DatasetError);
  });

  it('reads gzip files whatever their name', async () => {
    const path = join(tmp.dir, 'rows.dat');
    writeFileSync(path, gzipSync(Buffer.from(Array.from({ length: 3000 }, (_, i) => [String(i % 2), ...full.slice(1)].join('\t')).join('\n'))));
    const { summary, rows } = await collect(path);
    expect(summary.info.gzip).toBe(true);
    expect(summary.rows).toBe(3000);
    expect(rows.labels.reduce((s, v) => s + v, 0)).toBe(1500);
    const preview = await previewFile(path, 3);
    expect(preview.format).toBe('tsv.gz');
  });

  it('rejects a CSV header in another order', async () => {
    const path = join(tmp.dir, 'odd-header.csv');
    writeFileSync(path, 'label,I2,I1\n0,1,2\n');
    await expect(collect(path)).rejects.toThrow(/header has 3 fields/);
  });
});

describe('content hash of a read file', () => {
  it('is the sha256 of the bytes as stored, for plain and gzip files, and null when reading stops early', async () => {
    const { createHash } = await import('node:crypto');
    const path = join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt');
    const bytes = readFileSync(path);
    const plain = await readCriteoFile(path, () => undefined);
    expect(plain.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const tmp = temporaryDirectory('dlrm-hash-');
    try {
      const gz = join(tmp.dir, 'sample.tsv.gz');
      const compressed = gzipSync(bytes);
      writeFileSync(gz, compressed);
      const zipped = await readCriteoFile(gz, () => undefined);
      expect(zipped.sha256).toBe(createHash('sha256').update(compressed).digest('hex'));
      const partial = await readCriteoFile(path, () => undefined, { maxLines: 3 });
      expect(partial.sha256).toBeNull();
    } finally {
      tmp.remove();
    }
  });
});
