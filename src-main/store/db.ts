/**
 * Connections to the SQLite file, typed by what they may do.
 *
 * After Signal-Desktop's ts/sql: a `ReadableDB` may only be passed to query functions that read; a
 * `WritableDB` (which is also a ReadableDB) to those that write. The brands exist only in the type
 * system; at run time a readable connection is additionally opened with `{ readonly: true }`, so a
 * write that slipped past the types fails with SQLITE_READONLY instead of writing.
 */
import Database from 'better-sqlite3';
import { DatabaseTooNewError } from './errors';

declare const readableBrand: unique symbol;
declare const writableBrand: unique symbol;

/** A connection that may be read from. */
export type ReadableDB = Database.Database & { readonly [readableBrand]: true };
/** A connection that may be written to (and read from). */
export type WritableDB = ReadableDB & { readonly [writableBrand]: true };

/** How long a connection waits for a lock before SQLITE_BUSY (ms). WAL readers never wait on the writer. */
export const BUSY_TIMEOUT_MS = 5000;

/** How a connection loads SQLite. */
export interface ConnectionOptions {
  /**
   * Path of the better_sqlite3.node to load instead of node_modules' build (better-sqlite3's
   * `nativeBinding` option). The Electron door passes its Electron build here (src-main/native);
   * Node (tests, web mode, CLI) leaves it unset.
   */
  nativeBinding?: string;
}

function databaseOptions(connection: ConnectionOptions, options: Database.Options = {}): Database.Options {
  return connection.nativeBinding === undefined ? options : { ...options, nativeBinding: connection.nativeBinding };
}

/**
 * Whether a process with this id exists (signal 0 only checks; EPERM means it exists but is not ours).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens the writer's connection: WAL journal (readers see the last committed state and never block
 * the writer), synchronous=NORMAL (in WAL mode a committed transaction survives a process crash;
 * only an OS crash or power loss can drop the last few), foreign keys enforced, busy timeout.
 * The file is created if missing.
 */
export function openWritableDB(path: string, refuseAboveVersion?: number, connection: ConnectionOptions = {}): WritableDB {
  const db = new Database(path, databaseOptions(connection));
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Refuse a newer database before changing anything in it (even its journal mode).
    if (refuseAboveVersion !== undefined) {
      const found = readUserVersion(db as ReadableDB);
      if (found > refuseAboveVersion) throw new DatabaseTooNewError(path, found, refuseAboveVersion);
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused WAL journal mode for ${path} (got ${String(mode)}).`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db as WritableDB;
}

/** Opens a read-only connection to an existing database (it must already be in WAL mode). */
export function openReadableDB(path: string, connection: ConnectionOptions = {}): ReadableDB {
  const db = new Database(path, databaseOptions(connection, { readonly: true, fileMustExist: true }));
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db as ReadableDB;
}

export function readUserVersion(db: ReadableDB): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new Error(`PRAGMA user_version returned ${String(version)}`);
  return version;
}
