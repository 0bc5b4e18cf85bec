/**
 * Byte-level parser of one Criteo row (TSV or CSV), without per-field string allocation.
 *
 * Field rules (see README.md):
 * - label: 0 or 1 ("0.0"/"1.0" accepted); missing or anything else is a bad row.
 * - I1..I13: optional sign, decimal digits, optionally ".000" (CSV copies write integers as floats);
 *   negative allowed, empty = missing. "1.5", "abc", "1e3" are bad rows.
 * - C1..C26: 1 to 8 hexadecimal digits (either case), empty = missing. Longer or non-hex is a bad row.
 * - Fewer than 40 fields: the missing trailing fields are missing values. More than 40: bad row.
 */
import { CATEGORICAL_NAMES, DENSE_NAMES, NUM_CATEGORICAL, NUM_DENSE, NUM_FIELDS } from './types';

export type TextFormat = 'tsv' | 'csv';

/** Field names in Criteo order: label, I1..I13, C1..C26. */
export const FIELD_NAMES: readonly string[] = ['label', ...DENSE_NAMES, ...CATEGORICAL_NAMES];

/** Marks a missing categorical value in RawRow.categorical. */
export const MISSING_CATEGORY = -1;

/** One parsed row before preprocessing. The parser reuses one instance for every row. */
export interface RawRow {
  /** 0 or 1. */
  label: number;
  /** [I] raw integers, NaN = missing. */
  dense: Float64Array;
  /** [F] raw 32-bit category values (0..2^32-1), MISSING_CATEGORY (-1) = missing. */
  categorical: Float64Array;
}

export function createRawRow(): RawRow {
  return { label: 0, dense: new Float64Array(NUM_DENSE), categorical: new Float64Array(NUM_CATEGORICAL) };
}

/** Why a row was rejected. */
export interface RowProblem {
  field: string;
  /** For the row's report: may quote the field's value (at most 24 bytes, non-printable ones escaped). */
  message: string;
  /** The same without any of the file's content, for error messages. */
  reason: string;
}

const TAB = 9;
const COMMA = 44;
const CARRIAGE_RETURN = 13;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Hex digit value of each byte, -1 for non-hex bytes. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[97 + c] = 10 + c;
  HEX_VALUE[65 + c] = 10 + c;
}

/**
 * Text of bytes [start, end) for messages: at most 24 bytes, printable ASCII as is, every other
 * byte (NUL, controls, non-ASCII) as \xNN, so a report is one printable line whatever the file holds.
 */
export function bytesToText(bytes: Uint8Array, start: number, end: number): string {
  const stop = Math.min(end, start + 24);
  let text = '';
  for (let i = start; i < stop; i++) {
    const c = bytes[i]!;
    text += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return end > stop ? `${text}...` : text;
}

/** Parses rows of one format into a reused RawRow. */
export class CriteoLineParser {
  readonly row: RawRow = createRawRow();
  /** Set when parse() returns false. */
  problem: RowProblem | null = null;
  private readonly separator: number;

  /**
   * `hasLabel = false` reads rows without a label column (I1..I13, C1..C26: 39 fields, like Kaggle's
   * test.txt); row.label is then 0.
   */
  constructor(
    readonly format: TextFormat,
    readonly hasLabel = true,
  ) {
    this.separator = format === 'tsv' ? TAB : COMMA;
  }

  /**
   * Parses bytes [start, end) of `bytes` (one line without its '\n'; a trailing '\r' is ignored).
   * Returns true for a valid row (values in `this.row`), false for a bad one (reason in `this.problem`).
   */
  parse(bytes: Uint8Array, start: number, end: number): boolean {
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    if (start === end) return this.fail('row', 'empty line');
    const separator = this.separator;
    const dense = this.row.dense;
    const categorical = this.row.categorical;
    // Invariant between fields: i is at the separator that ends the previous field, or at end.
    // label
    let i = start;
    if (!this.hasLabel) {
      this.row.label = 0;
      i = start - 1; // as if a label field ended just before the line
    } else {
      let value = 0;
      const digitsStart = i;
      while (i < end) {
        const c = bytes[i];
        if (c < ZERO || c > NINE) break;
        value = value * 10 + (c - ZERO);
        i++;
      }
      const digits = i - digitsStart;
      if (digits > 0 && i < end && bytes[i] === DOT) {
        i++;
        while (i < end && bytes[i] === ZERO) i++;
      }
      if (i < end && bytes[i] !== separator) return this.failAt(0, bytes, start, end, 'must be 0 or 1');
      if (digits === 0) return this.fail('label', 'label is missing');
      if (value > 1) return this.failAt(0, bytes, start, end, 'must be 0 or 1');
      this.row.label = value;
    }
    // I1..I13
    for (let k = 0; k < NUM_DENSE; k++) {
      if (i >= end) {
        for (; k < NUM_DENSE; k++) dense[k] = NaN;
        for (let f = 0; f < NUM_CATEGORICAL; f++) categorical[f] = MISSING_CATEGORY;
        this.problem = null;
        return true;
      }
      i++;
      const fieldStart = i;
      let negative = false;
      if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
        negative = bytes[i] === MINUS;
        i++;
      }
      let value = 0;
      const digitsStart = i;
      while (i < end) {
        const c = bytes[i];
        if (c < ZERO || c > NINE) break;
        value = value * 10 + (c - ZERO);
        i++;
      }
      const digits = i - digitsStart;
      if (digits > 0 && i < end && bytes[i] === DOT) {
        i++;
        while (i < end && bytes[i] === ZERO) i++;
      }
      if ((i < end && bytes[i] !== separator) || (digits === 0 && i > fieldStart)) {
        return this.failAt(1 + k, bytes, fieldStart, end, 'is not an integer');
      }
      dense[k] = digits === 0 ? NaN : negative ? -value : value;
    }
    // C1..C26
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      if (i >= end) {
        for (; f < NUM_CATEGORICAL; f++) categorical[f] = MISSING_CATEGORY;
        this.problem = null;
        return true;
      }
      i++;
      const fieldStart = i;
      let value = 0;
      while (i < end) {
        const digit = HEX_VALUE[bytes[i]];
        if (digit < 0) break;
        value = value * 16 + digit;
        i++;
      }
      if (i < end && bytes[i] !== separator) return this.failAt(1 + NUM_DENSE + f, bytes, fieldStart, end, 'is not a hexadecimal category');
      const digits = i - fieldStart;
      if (digits > 8) return this.failAt(1 + NUM_DENSE + f, bytes, fieldStart, end, 'is longer than 8 hexadecimal digits');
      categorical[f] = digits === 0 ? MISSING_CATEGORY : value;
    }
    if (i < end) return this.fail('row', `more than ${this.hasLabel ? NUM_FIELDS : NUM_FIELDS - 1} fields`);
    this.problem = null;
    return true;
  }

  private fail(field: string, message: string): false {
    this.problem = { field, message, reason: message };
    return false;
  }

  private failAt(field: number, bytes: Uint8Array, pos: number, end: number, what: string): false {
    let fieldEnd = pos;
    while (fieldEnd < end && bytes[fieldEnd] !== this.separator) fieldEnd++;
    const name = FIELD_NAMES[field]!;
    this.problem = { field: name, message: `${name} value "${bytesToText(bytes, pos, fieldEnd)}" ${what}`, reason: `${name} ${what}` };
    return false;
  }
}

const LABEL_NAMES = ['label', 'click', 'clicked'];

/** What the first line says about a file. */
export interface FirstLineInfo {
  format: TextFormat;
  /** True when the first line is a header (its first field is not a label but a word). */
  hasHeader: boolean;
  /** Header fields, or the standard Criteo names when there is none. */
  header: string[];
}

/**
 * Detects the format from the first line: a tab means TSV, else a comma means CSV, else TSV
 * (a row stripped down to its label). The line is a header when its first field is a label name
 * (label, click, clicked) or its second field is I1; otherwise it is data (and may be a bad row).
 */
export function detectFirstLine(line: string): FirstLineInfo {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const format: TextFormat = text.includes('\t') ? 'tsv' : text.includes(',') ? 'csv' : 'tsv';
  const fields = text.split(format === 'tsv' ? '\t' : ',');
  const first = headerName(fields[0]);
  const hasHeader = LABEL_NAMES.includes(first) || first === 'i1' || headerName(fields[1]) === 'i1';
  return { format, hasHeader, header: hasHeader ? fields.map((f) => f.trim()) : [...FIELD_NAMES] };
}

/** A header field as compared: trimmed, unquoted, lower case. */
function headerName(field: string | undefined): string {
  return (field ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
}

/**
 * Checks a header: it must name label, I1..I13, C1..C26 in that order (case-insensitive, quotes
 * ignored). Returns null when it is fine, else the problem.
 */
export function checkHeader(header: readonly string[], hasLabel = true): RowProblem | null {
  const names = hasLabel ? FIELD_NAMES : FIELD_NAMES.slice(1);
  if (header.length !== names.length) {
    const message = `header has ${header.length} fields; expected ${names.length}: ${hasLabel ? 'label, ' : ''}I1..I13, C1..C26`;
    return { field: 'row', message, reason: message };
  }
  for (let i = 0; i < names.length; i++) {
    const name = headerName(header[i]);
    const expected = names[i].toLowerCase();
    if (name !== expected && !(hasLabel && i === 0 && LABEL_NAMES.includes(name))) {
      return { field: names[i]!, message: `header field ${i + 1} should be "${names[i]}"`, reason: `header field ${i + 1} should be "${names[i]}"` };
    }
  }
  return null;
}
