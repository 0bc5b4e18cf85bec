/**
 * Is a file text or binary? Decided by a share, not by one byte: a Criteo file with one stray NUL
 * or one Latin-1 byte is text with one bad row (the row parser reports it by line and field); a
 * zip, an image or a database has many NUL, control or invalid UTF-8 bytes in its first block.
 */

/** Bytes sampled from the start of the (decompressed) content. */
export const TEXT_SAMPLE_BYTES = 64 * 1024;
/** The content is binary when more than this share of the sampled bytes is suspicious. */
export const BINARY_SHARE = 0.1;

const TAB = 9;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/** What was counted in the sample. */
export interface TextSample {
  sampled: number;
  /** NUL bytes. */
  nul: number;
  /** Bytes that are not part of a well-formed UTF-8 sequence. */
  invalidUtf8: number;
  /** C0 control bytes other than tab, newline and carriage return, and DEL. */
  control: number;
}

/**
 * Counts suspicious bytes over the first TEXT_SAMPLE_BYTES bytes given to `add` (any chunking).
 * UTF-8 sequences cut between two chunks are joined; one still open at `finish` is invalid.
 */
export class TextSniffer {
  private readonly counts: TextSample = { sampled: 0, nul: 0, invalidUtf8: 0, control: 0 };
  /** Bytes of a multi-byte sequence begun at the end of the previous chunk. */
  private pending: number[] = [];
  private done = false;

  /** True once the sample is complete (call `finish` for the verdict). */
  get full(): boolean {
    return this.done || this.counts.sampled >= TEXT_SAMPLE_BYTES;
  }

  add(chunk: Uint8Array): void {
    if (this.full) return;
    const take = Math.min(chunk.length, TEXT_SAMPLE_BYTES - this.counts.sampled);
    const bytes = this.pending.length > 0 ? Uint8Array.from([...this.pending, ...chunk.subarray(0, take)]) : chunk.subarray(0, take);
    this.counts.sampled += take;
    this.pending = [];
    let i = 0;
    while (i < bytes.length) {
      const c = bytes[i]!;
      if (c < 0x80) {
        if (c === 0) this.counts.nul++;
        else if ((c < 0x20 && c !== TAB && c !== NEWLINE && c !== CARRIAGE_RETURN) || c === 0x7f) this.counts.control++;
        i++;
        continue;
      }
      const length = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      if (length === 0) {
        this.counts.invalidUtf8++;
        i++;
        continue;
      }
      let complete = true;
      let k = 1;
      for (; k < length; k++) {
        if (i + k >= bytes.length) {
          complete = false;
          break;
        }
        if ((bytes[i + k]! & 0xc0) !== 0x80) break;
      }
      if (!complete) {
        // cut by the chunk boundary: finish it with the next chunk
        this.pending = Array.from(bytes.subarray(i));
        return;
      }
      if (k < length) {
        this.counts.invalidUtf8++;
        i++;
        continue;
      }
      i += length;
    }
  }

  /** The counts; a sequence still open counts as invalid. */
  finish(): TextSample {
    this.counts.invalidUtf8 += this.pending.length;
    this.pending = [];
    this.done = true;
    return { ...this.counts };
  }
}

/** Null when the sample reads as text, else why it looks binary (no content quoted). */
export function binaryVerdict(sample: TextSample): string | null {
  const suspicious = sample.nul + sample.invalidUtf8 + sample.control;
  if (sample.sampled === 0 || suspicious / sample.sampled <= BINARY_SHARE) return null;
  const parts = [
    sample.nul > 0 ? `${sample.nul} NUL` : '',
    sample.invalidUtf8 > 0 ? `${sample.invalidUtf8} invalid UTF-8` : '',
    sample.control > 0 ? `${sample.control} control` : '',
  ].filter((p) => p !== '');
  const share = ((100 * suspicious) / sample.sampled).toFixed(0);
  return `${parts.join(', ')} bytes in the first ${sample.sampled.toLocaleString('en-US')} (${share}%, more than ${100 * BINARY_SHARE}%)`;
}
