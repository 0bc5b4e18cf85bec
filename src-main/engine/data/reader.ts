/**
 * Streaming reader of Criteo files: plain or gzip (detected by the magic bytes, not the name),
 * TSV or CSV (detected from the first line). Memory stays bounded: the file is read in 1 MiB chunks
 * and lines are parsed straight from the chunk buffers.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetError, fileProblem, throwIfAborted } from './errors';
import { TextSniffer, binaryVerdict } from './text-check';
import { CriteoLineParser, FIELD_NAMES, checkHeader, detectFirstLine } from './parse';
import type { RawRow, TextFormat } from './parse';
import type { BadRowReport } from './types';

const NEWLINE = 10;
const READ_CHUNK_BYTES = 1 << 20;
/** A "line" longer than this is not Criteo data (binary garbage or a missing newline convention). */
const MAX_LINE_BYTES = 1 << 20;
const CARRIAGE_RETURN = 13;
/** The UTF-8 byte-order mark some editors and exports put first; skipped. */
const BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf] as const;

export interface ReadProgress {
  /** Bytes of the file read so far (compressed bytes for .gz). */
  bytesRead: number;
  totalBytes: number;
  /** Valid rows so far. */
  rows: number;
  badRows: number;
  elapsedSeconds: number;
}

export interface CriteoReadOptions {
  signal?: AbortSignal;
  /** Called about every 0.25 s while reading, and once at the end. */
  onProgress?: (progress: ReadProgress) => void;
  /** Stop after this many data lines (valid or bad), e.g. for a preview. */
  maxLines?: number;
  /**
   * Fail with a DatasetError when badRows / (rows + badRows) passes this share, checked once at
   * least `minLinesForBadShare` data lines were read, and at the end of the file. Default 1 (never).
   */
  maxBadShare?: number;
  /** Default 1000. */
  minLinesForBadShare?: number;
  /** Keep at most this many bad-row reports (all are counted). Default 100. */
  maxReports?: number;
  /** False for files without a label column (39 fields, e.g. rows to score). Default true. */
  hasLabel?: boolean;
  /** Called with the raw fields (strings) of every data line, for previews. Slow path. */
  onFields?: (fields: string[], line: number) => void;
}

export interface CriteoFileInfo {
  path: string;
  /** Size of the file on disk. */
  bytes: number;
  gzip: boolean;
  format: TextFormat;
  hasHeader: boolean;
  /** Header fields, or the standard names label, I1..I13, C1..C26 when there is no header. */
  header: string[];
}

export interface ReadSummary {
  info: CriteoFileInfo;
  /** Valid rows delivered to onRow. */
  rows: number;
  badRows: number;
  /** The first maxReports bad rows. */
  reports: BadRowReport[];
  /** Data lines read (valid + bad), without the header and blank lines. */
  lines: number;
  /** Empty lines (or a lone carriage return), skipped and counted apart from bad rows. */
  blankLines: number;
  /** True when reading stopped at maxLines before the end of the file. */
  stoppedEarly: boolean;
  /** Hex sha256 of the file's bytes (as stored, compressed for .gz); null when reading stopped early. */
  sha256: string | null;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const n = readSync(fd, magic, 0, 2, 0);
    return n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a Criteo file row by row. `onRow` receives the parser's reused RawRow (copy what you keep)
 * and the 1-based line number. Bad rows are counted and reported, not passed on.
 * Throws DatasetError for a missing, empty, binary, truncated or too-bad file, and
 * DatasetCancelledError when the signal fires.
 */
export async function readCriteoFile(path: string, onRow: (row: RawRow, line: number) => void, options: CriteoReadOptions = {}): Promise<ReadSummary> {
  let totalBytes: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new DatasetError(`${path} is a folder, not a file`, { file: path });
    if (!stat.isFile()) throw new DatasetError(`${path} is not a regular file`, { file: path });
    totalBytes = stat.size;
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(fileProblem(path, error), { file: path }, { cause: error });
  }
  if (totalBytes === 0) throw new DatasetError(`${path} is empty (0 bytes)`, { file: path });
  const gzip = isGzipFile(path);
  const maxLines = options.maxLines ?? Infinity;
  const maxBadShare = options.maxBadShare ?? 1;
  const minLinesForBadShare = options.minLinesForBadShare ?? 1000;
  const maxReports = options.maxReports ?? 100;
  const started = performance.now();

  const fileStream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  // The file's content hash is taken on the way through (the dataset description records it).
  const contentHash = createHash('sha256');
  const hashTap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      contentHash.update(chunk);
      callback(null, chunk);
    },
  });
  const noop = (): void => {
    /* errors surface through the iteration below */
  };
  const source: Readable = gzip ? pipeline(fileStream, hashTap, createGunzip({ chunkSize: 256 * 1024 }), noop) : pipeline(fileStream, hashTap, noop);

  const state: { info: CriteoFileInfo | null; parser: CriteoLineParser | null } = { info: null, parser: null };
  let line = 0;
  let rows = 0;
  let badRows = 0;
  let blankLines = 0;
  /** The first bad row's problem without file contents, for the too-many-bad-rows error. */
  let firstReason: string | null = null;
  let stoppedEarly = false;
  const reports: BadRowReport[] = [];
  let decodedBytes = 0;
  const sniffer = new TextSniffer();
  const checkSample = (): void => {
    const verdict = binaryVerdict(sniffer.finish());
    if (verdict !== null) {
      throw new DatasetError(`${path} looks binary (${verdict}); expected Criteo text (TSV or CSV, optionally gzip)`, { file: path });
    }
  };
  let lastProgress = started;

  const reportProgress = (): void => {
    options.onProgress?.({ bytesRead: fileStream.bytesRead, totalBytes, rows, badRows, elapsedSeconds: (performance.now() - started) / 1000 });
  };

  const checkBadShare = (atEnd: boolean): void => {
    const seen = rows + badRows;
    if (seen === 0 || (!atEnd && seen < minLinesForBadShare)) return;
    if (badRows / seen > maxBadShare) {
      const first = reports[0];
      const example = first ? ` First: line ${first.line}, ${first.field}: ${firstReason ?? 'malformed'}.` : '';
      throw new DatasetError(
        `${path}: ${badRows} of ${seen} rows are malformed (${((100 * badRows) / seen).toFixed(1)}%), more than the allowed ${(100 * maxBadShare).toFixed(1)}%.${example}`,
        { file: path, line: first?.line ?? null, field: first?.field ?? null },
      );
    }
  };

  /** Handles line bytes [start, end). Returns false to stop reading. */
  const handleLine = (bytes: Buffer, start: number, end: number): boolean => {
    line++;
    if (end === start || (end === start + 1 && bytes[start] === CARRIAGE_RETURN)) {
      blankLines++;
      return true;
    }
    if (state.parser === null) {
      const first = detectFirstLine(bytes.toString('utf8', start, end));
      const header = first.hasHeader ? first.header : options.hasLabel === false ? FIELD_NAMES.slice(1) : first.header;
      state.info = { path, bytes: totalBytes, gzip, format: first.format, hasHeader: first.hasHeader, header };
      state.parser = new CriteoLineParser(first.format, options.hasLabel ?? true);
      if (first.hasHeader) {
        const problem = checkHeader(first.header, options.hasLabel ?? true);
        if (problem) throw new DatasetError(`${path}, line ${line}: ${problem.reason}`, { file: path, line, field: problem.field });
        return true;
      }
    }
    const parser = state.parser;
    if (rows + badRows >= maxLines) {
      stoppedEarly = true;
      return false;
    }
    if (options.onFields) {
      let text = bytes.toString('utf8', start, end);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      options.onFields(text.split(parser.format === 'tsv' ? '\t' : ','), line);
    }
    if (parser.parse(bytes, start, end)) {
      rows++;
      onRow(parser.row, line);
    } else {
      recordBad(parser);
    }
    return true;
  };

  const recordBad = (parser: CriteoLineParser): void => {
    badRows++;
    const problem = parser.problem!;
    firstReason ??= problem.reason;
    if (reports.length < maxReports) reports.push({ file: path, line, field: problem.field, message: problem.message, reason: problem.reason });
    if (badRows % 64 === 0) checkBadShare(false);
  };
  // once the first line is known, plain reads skip handleLine
  const fastPath = options.onFields === undefined && maxLines === Infinity;

  let carry: Buffer | null = null;
  try {
    reading: for await (const chunkValue of source) {
      const chunk = chunkValue as Buffer;
      throwIfAborted(options.signal);
      let pos = 0;
      if (decodedBytes === 0 && chunk.length >= 3 && BYTE_ORDER_MARK.every((b, i) => chunk[i] === b)) pos = 3;
      if (!sniffer.full) {
        sniffer.add(chunk.subarray(pos));
        if (sniffer.full) checkSample();
      }
      decodedBytes += chunk.length;
      if (carry !== null) {
        const newline = chunk.indexOf(NEWLINE);
        if (newline < 0) {
          carry = Buffer.concat([carry, chunk]);
          if (carry.length > MAX_LINE_BYTES) throw tooLong(path, line + 1);
          continue;
        }
        const joined = Buffer.concat([carry, chunk.subarray(0, newline)]);
        carry = null;
        if (joined.length > MAX_LINE_BYTES) throw tooLong(path, line + 1);
        if (!handleLine(joined, 0, joined.length)) break reading;
        pos = newline + 1;
      }
      const fastParser = fastPath ? state.parser : null;
      if (fastParser !== null) {
        // the hot loop: no header, preview or line-limit logic
        for (;;) {
          const newline = chunk.indexOf(NEWLINE, pos);
          if (newline < 0) break;
          line++;
          if (newline === pos || (newline === pos + 1 && chunk[pos] === CARRIAGE_RETURN)) blankLines++;
          else if (fastParser.parse(chunk, pos, newline)) {
            rows++;
            onRow(fastParser.row, line);
          } else {
            recordBad(fastParser);
          }
          pos = newline + 1;
        }
      }
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, pos);
        if (newline < 0) break;
        if (!handleLine(chunk, pos, newline)) break reading;
        pos = newline + 1;
      }
      if (pos < chunk.length) {
        carry = Buffer.from(chunk.subarray(pos));
        if (carry.length > MAX_LINE_BYTES) throw tooLong(path, line + 1);
      }
      const now = performance.now();
      if (now - lastProgress > 250) {
        lastProgress = now;
        reportProgress();
      }
    }
    if (!sniffer.full) checkSample();
    if (!stoppedEarly && carry !== null && carry.length > 0) handleLine(carry, 0, carry.length);
  } catch (error) {
    if (error instanceof DatasetError || (error as Error).name === 'AbortError') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (gzip && (code === 'Z_BUF_ERROR' || /unexpected end/i.test((error as Error).message))) {
      throw new DatasetError(`${path}: the gzip file is truncated (unexpected end of compressed data after line ${line})`, { file: path, line }, { cause: error });
    }
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new DatasetError(`${path}: the gzip data is corrupt (${code}) after line ${line}`, { file: path, line }, { cause: error });
    }
    throw new DatasetError(`${fileProblem(path, error)} (after line ${line})`, { file: path, line }, { cause: error });
  } finally {
    source.destroy();
    fileStream.destroy();
  }
  if (decodedBytes === 0) throw new DatasetError(`${path} is empty after decompression`, { file: path });
  const finalInfo = state.info;
  if (finalInfo === null) {
    throw new DatasetError(blankLines > 0 ? `${path} has no data rows (${blankLines} blank line${blankLines === 1 ? '' : 's'} only)` : `${path} has no lines`, { file: path });
  }
  if (rows + badRows === 0) {
    throw new DatasetError(`${path} has a header but no data rows`, { file: path, line: 1 });
  }
  if (!stoppedEarly) checkBadShare(true);
  reportProgress();
  return { info: finalInfo, rows, badRows, reports, lines: rows + badRows, blankLines, stoppedEarly, sha256: stoppedEarly ? null : contentHash.digest('hex') };
}

function tooLong(path: string, line: number): DatasetError {
  return new DatasetError(`${path}, line ${line}: a line longer than ${MAX_LINE_BYTES} bytes; this is not a Criteo text file`, { file: path, line, field: 'row' });
}

/** Field names used in reports, re-exported for callers that build their own messages. */
export { FIELD_NAMES };
