/**
 * Typed errors of the store. `code` matches the service's ApiErrorBody codes so a door can map a
 * store error to a wire error without string matching.
 */

export type StoreErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'internal';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** The input field the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, code: StoreErrorCode, field?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
  }
}

/** The database was written by a newer version of the app (its user_version is above ours). */
export class DatabaseTooNewError extends StoreError {
  readonly foundVersion: number;
  readonly supportedVersion: number;

  constructor(path: string, foundVersion: number, supportedVersion: number) {
    super(
      `The database ${path} was written by a newer version of DLRM Studio (schema version ${foundVersion}; ` +
        `this version understands up to ${supportedVersion}). Update the app, or point it at another data folder ` +
        `(DLRM_STUDIO_DATA_DIR).`,
      'conflict',
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

/** A read-only connection found a database that has not been migrated to our schema yet. */
export class DatabaseNotMigratedError extends StoreError {
  constructor(path: string, foundVersion: number, supportedVersion: number) {
    super(
      `The database ${path} has schema version ${foundVersion}, expected ${supportedVersion}: ` +
        `open it with a writable store first so that it is migrated.`,
      'conflict',
    );
  }
}

export class NotFoundError extends StoreError {
  constructor(what: 'run' | 'simulation' | 'sweep', id: string) {
    super(`No ${what} with id "${id}".`, 'not-found', 'id');
  }
}

/** A status change that the lifecycle does not allow (e.g. finishing a run that already failed). */
export class InvalidTransitionError extends StoreError {
  constructor(what: 'run' | 'simulation', id: string, from: string, to: string) {
    super(`Cannot move ${what} "${id}" from status "${from}" to "${to}".`, 'conflict', 'status');
  }
}

/** Input that the store refuses (bad id, path escaping the data folder, unknown sort key...). */
export class InvalidInputError extends StoreError {
  constructor(message: string, field?: string) {
    super(message, 'bad-request', field);
  }
}

/** An export file that cannot be imported; `field` is the JSON path of the first problem. */
export class ImportFormatError extends StoreError {
  constructor(message: string, field: string) {
    super(`Cannot import: ${field}: ${message}`, 'bad-request', field);
  }
}
