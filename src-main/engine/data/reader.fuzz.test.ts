/**
 * Fuzz of the Criteo reader (issue #13): generated bad files built from real rows
 * (../shared/data/criteo-samples), each with its exact expected outcome: good-row, bad-row and
 * blank-line counts, the (line, field) of every bad row, and the error a too-bad, binary or
 * truncated file must raise (naming file, line and field). Nothing may crash.
 *
 * Rerun with another seed or more files:
 *   DLRM_FUZZ_SEED=123 DLRM_FUZZ_FILES=5000 npx vitest run src-main/engine/data/reader.fuzz.test.ts
 * A failure message starts with the seed and the file's index, which regenerate that file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng';
import { DatasetError } from './errors';
import { readCriteoFile } from './reader';
import { FIELD_NAMES } from './parse';
import { SAMPLES_DIR, temporaryDirectory } from './testing';

const SEED = Number(process.env['DLRM_FUZZ_SEED'] ?? 20261202);
const FILES = Number(process.env['DLRM_FUZZ_FILES'] ?? 1000);

/** Real rows, padded to 40 fields (a padded row reads as the stripped one). */
const TSV_ROWS = ['pytorchfm_jqsl2012_criteo_train.txt', 'paddlerec_dnn_sample_train.txt', 'paddlerec_dnn_sample_test.txt', 'paddlerec_ctr_dnn_sample_train_afec7a4.txt']
  .flatMap((file) => readFileSync(join(SAMPLES_DIR, file), 'utf8').split('\n'))
  .filter((line) => line.length > 0)
  .map((line) => pad(line.split('\t')));
const CSV_LINES = readFileSync(join(SAMPLES_DIR, 'deepctr_criteo_sample.txt'), 'utf8').split('\n').filter((l) => l.length > 0);
const CSV_HEADER = CSV_LINES[0]!;
const CSV_ROWS = CSV_LINES.slice(1).map((line) => pad(line.split(',')));

function pad(fields: string[]): string[] {
  while (fields.length < 40) fields.push('');
  return fields;
}

/** Values that make each kind of field bad (no separators inside, so the field stays where it is). */
const BAD_LABELS = ['2', 'x', '', '1.5', '-1', '01x', '\0', 'yes', '1 '];
const BAD_INTEGERS = ['x7', '1.5', '1e3', '--1', '-', 'abc', '\0', '12\x00', '0x10', '3;0', 'NaN', '١'];
const BAD_CATEGORIES = ['zz', '123456789', 'g', '\0', 'é', 'ab cd', 'ffffffff0', '-1', '0x1f'];

type LineKind = { kind: 'good' } | { kind: 'blank' } | { kind: 'bad'; field: string };

interface Case {
  bytes: Buffer;
  name: string;
  /** Expected outcome. */
  expect:
    | { kind: 'read'; rows: number; badRows: number; blankLines: number; bad: [number, string][]; maxBadShare?: number }
    | { kind: 'error'; pattern: RegExp; line?: number | null; field?: string | null; maxBadShare?: number };
}

/** One generated file; every random choice comes from `rng`, so (seed, index) regenerates it. */
function generate(rng: Rng, index: number): Case {
  const roll = rng.uniform();
  if (roll < 0.03) return binaryCase(rng);
  const csv = rng.uniform() < 0.2;
  const separator = csv ? ',' : '\t';
  const pool = csv ? CSV_ROWS : TSV_ROWS;
  const count = 1 + rng.int(30);
  const lines: string[] = [];
  const kinds: LineKind[] = [];
  if (csv) {
    lines.push(CSV_HEADER);
    kinds.push({ kind: 'good' }); // the header: not counted below
  }
  for (let i = 0; i < count; i++) {
    const fields = [...pool[rng.int(pool.length)]!];
    const r = rng.uniform();
    if (r < 0.12) {
      lines.push(rng.uniform() < 0.5 ? '' : '\r');
      kinds.push({ kind: 'blank' });
    } else if (r < 0.55) {
      lines.push(fields.join(separator) + (rng.uniform() < 0.1 ? '\r' : ''));
      kinds.push({ kind: 'good' });
    } else {
      const { line, field } = spoil(rng, fields, separator);
      lines.push(line);
      kinds.push({ kind: 'bad', field });
    }
  }
  // a file ending in an empty line needs the final newline for that line to exist
  const text = lines.join('\n') + (rng.uniform() < 0.7 || lines[lines.length - 1] === '' ? '\n' : '');
  let bytes = Buffer.from(text, 'utf8');
  if (rng.uniform() < 0.15) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  const gzip = rng.uniform() < 0.15;
  if (gzip) bytes = gzipSync(bytes);
  const dataKinds = csv ? kinds.slice(1) : kinds;
  const offset = csv ? 2 : 1;
  const bad: [number, string][] = [];
  dataKinds.forEach((k, i) => {
    if (k.kind === 'bad') bad.push([i + offset, k.field]);
  });
  const rows = dataKinds.filter((k) => k.kind === 'good').length;
  const blankLines = dataKinds.filter((k) => k.kind === 'blank').length;
  const name = `case-${index}${csv ? '.csv' : '.tsv'}${gzip ? '.gz' : ''}`;
  if (rows + bad.length === 0) {
    return { bytes, name, expect: csv ? { kind: 'error', pattern: /header but no data rows/, line: 1 } : { kind: 'error', pattern: /no data rows|no lines/ } };
  }
  if (gzip && rng.uniform() < 0.1 && bytes.length > 40) {
    // cut inside the compressed data: a truncated download
    return { bytes: bytes.subarray(0, Math.floor(bytes.length / 2)), name, expect: { kind: 'error', pattern: /gzip|truncated|corrupt|empty|no lines/ } };
  }
  if (rng.uniform() < 0.3) {
    const maxBadShare = [0.05, 0.2, 0.5][rng.int(3)]!;
    if (bad.length / (rows + bad.length) > maxBadShare) {
      return { bytes, name, expect: { kind: 'error', pattern: /rows are malformed/, line: bad[0]![0], field: bad[0]![1], maxBadShare } };
    }
    return { bytes, name, expect: { kind: 'read', rows, badRows: bad.length, blankLines, bad, maxBadShare } };
  }
  return { bytes, name, expect: { kind: 'read', rows, badRows: bad.length, blankLines, bad } };
}

/** Makes one field of a real row bad (or adds a 41st field); returns the line and the field reported. */
function spoil(rng: Rng, fields: string[], separator: string): { line: string; field: string } {
  const how = rng.int(5);
  if (how === 0) {
    return { line: [...fields, 'extra'].join(separator), field: 'row' };
  }
  const index = how === 1 ? 0 : how === 2 ? 1 + rng.int(13) : 14 + rng.int(26);
  const choices = index === 0 ? BAD_LABELS : index <= 13 ? BAD_INTEGERS : BAD_CATEGORIES;
  let value = choices[rng.int(choices.length)]!;
  if (rng.uniform() < 0.2 && fields[index]!.length > 0) {
    // a NUL or a stray byte inside an otherwise fine value
    const at = rng.int(fields[index]!.length + 1);
    value = fields[index]!.slice(0, at) + (rng.uniform() < 0.5 ? '\0' : '\x01') + fields[index]!.slice(at);
  }
  fields[index] = value;
  return { line: fields.join(separator), field: FIELD_NAMES[index]! };
}

/** Mostly NUL, control or invalid UTF-8 bytes: must be refused as binary, naming the file. */
function binaryCase(rng: Rng): Case {
  const bytes = Buffer.alloc(200 + rng.int(5000));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.uniform() < 0.5 ? 0 : rng.int(256);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes[0] = 0; // not the gzip magic by chance
  return { bytes, name: 'binary.bin', expect: { kind: 'error', pattern: /looks binary/ } };
}

describe(`reader fuzz: ${FILES} generated bad Criteo files (DLRM_FUZZ_SEED=${SEED})`, () => {
  const tmp = temporaryDirectory('dlrm-fuzz-');
  afterAll(tmp.remove);

  it('reads every file with exact counts and (line, field) reports, or raises the expected error', async () => {
    const tally = { files: 0, goodRows: 0, badRows: 0, blankLines: 0, errors: 0, gzip: 0 };
    for (let index = 0; index < FILES; index++) {
      const rng = new Rng(SEED * 1000003 + index);
      const c = generate(rng, index);
      const path = join(tmp.dir, c.name);
      writeFileSync(path, c.bytes);
      const where = `seed ${SEED}, file ${index} (${c.name})`;
      const lines: number[] = [];
      let outcome: unknown;
      try {
        const share = c.expect.maxBadShare;
        outcome = await readCriteoFile(path, (_row, line) => lines.push(line), share !== undefined ? { maxBadShare: share, minLinesForBadShare: 1e9 } : {});
      } catch (error) {
        outcome = error;
      }
      tally.files++;
      if (c.name.endsWith('.gz')) tally.gzip++;
      if (c.expect.kind === 'error') {
        expect(outcome, where).toBeInstanceOf(DatasetError);
        const error = outcome as DatasetError;
        expect(error.message, where).toMatch(c.expect.pattern);
        expect(error.file, where).toBe(path);
        expect(error.message, where).toContain(path);
        if (c.expect.line !== undefined) expect(error.line, where).toBe(c.expect.line);
        if (c.expect.field !== undefined) {
          expect(error.field, where).toBe(c.expect.field);
          expect(error.message, where).toContain(`line ${c.expect.line}, ${c.expect.field}`);
        }
        tally.errors++;
        continue;
      }
      expect(outcome, where).not.toBeInstanceOf(Error);
      const summary = outcome as Awaited<ReturnType<typeof readCriteoFile>>;
      expect(summary.rows, where).toBe(c.expect.rows);
      expect(summary.badRows, where).toBe(c.expect.badRows);
      expect(summary.blankLines, where).toBe(c.expect.blankLines);
      expect(lines.length, where).toBe(c.expect.rows);
      expect(summary.reports.map((r) => [r.line, r.field]), where).toEqual(c.expect.bad);
      for (const report of summary.reports) {
        expect(report.file, where).toBe(path);
        // the message names the field (a 41-field row says so) and is one printable line
        if (report.field === 'row') expect(report.message, where).toMatch(/fields/);
        else expect(report.message, where).toContain(report.field);
        expect(report.message, where).not.toMatch(/[\0-\x08\x0a-\x1f]/);
      }
      tally.goodRows += summary.rows;
      tally.badRows += summary.badRows;
      tally.blankLines += summary.blankLines;
    }
    // the figures of this run, for the README and the closing note
    console.log(`reader fuzz (seed ${SEED}): ${tally.files} files (${tally.gzip} gzip), ${tally.goodRows} good rows, ${tally.badRows} bad rows, ${tally.blankLines} blank lines, ${tally.errors} expected file errors; 0 crashes`);
    expect(tally.files).toBe(FILES);
  });
});
