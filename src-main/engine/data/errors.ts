/** Errors raised by data/: a message a user can act on, and where in which file it happened. */

/** A dataset cannot be read: empty, binary, truncated, too many bad rows, bad header, ... */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  /** The file concerned (as given by the caller), or null when none (synthetic, options). */
  readonly file: string | null;
  /** 1-based line number, when the problem is at one line. */
  readonly line: number | null;
  /** Field name (label, I1..I13, C1..C26, row) when the problem is at one field. */
  readonly field: string | null;

  constructor(message: string, where: { file?: string | null; line?: number | null; field?: string | null } = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.file = where.file ?? null;
    this.line = where.line ?? null;
    this.field = where.field ?? null;
  }
}

/** The caller's AbortSignal fired while preparing data. */
export class DatasetCancelledError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'dataset preparation was cancelled') {
    super(message);
  }
}

/** Throws DatasetCancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DatasetCancelledError();
}
