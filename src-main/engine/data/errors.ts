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

/**
 * A file-system failure as a sentence naming the path, without the system's raw text
 * ("ENOENT: no such file or directory, open ..."): missing, a folder, no permission, ...
 */
export function fileProblem(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return `no file at ${path}`;
    case 'ENOTDIR':
      return `${path}: a part of this path is a file, not a folder`;
    case 'EISDIR':
      return `${path} is a folder, not a file`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to read ${path}`;
    case 'ENAMETOOLONG':
      return `${path}: the path is too long`;
    case 'ELOOP':
      return `${path}: too many symbolic links`;
    case 'EMFILE':
    case 'ENFILE':
      return `cannot open ${path}: too many open files`;
    case 'EIO':
      return `cannot read ${path}: an input/output error from the disk`;
    default:
      return `cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
}
