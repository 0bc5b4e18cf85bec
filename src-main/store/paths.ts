/**
 * Where data lives: the app-data folder, the database file in it, and one folder per run for its
 * artifacts (`<dataDir>/runs/<runId>/`). Also the checks that keep ids and artifact paths inside it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from './errors';

/** Environment variable that overrides the data folder. */
export const DATA_DIR_ENV = 'DLRM_STUDIO_DATA_DIR';
/** File name of the database inside the data folder. */
export const DATABASE_FILE_NAME = 'studio.sqlite';
/** Folder (inside the data folder) holding one folder per run. */
export const RUNS_FOLDER = 'runs';

/**
 * The platform's app-data folder for DLRM Studio, or $DLRM_STUDIO_DATA_DIR when set.
 * Linux/other: $XDG_DATA_HOME/dlrm-studio or ~/.local/share/dlrm-studio;
 * macOS: ~/Library/Application Support/DLRM Studio; Windows: %APPDATA%\DLRM Studio.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homeDir: string = os.homedir(),
): string {
  const override = env[DATA_DIR_ENV];
  if (override !== undefined && override.trim() !== '') return path.resolve(override);
  if (platform === 'win32') {
    const appData = env.APPDATA ?? path.win32.join(homeDir, 'AppData', 'Roaming');
    return path.win32.join(appData, 'DLRM Studio');
  }
  if (platform === 'darwin') return path.posix.join(homeDir, 'Library', 'Application Support', 'DLRM Studio');
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homeDir, '.local', 'share');
  return path.posix.join(base, 'dlrm-studio');
}

/** `<dataDir>/studio.sqlite`. */
export function defaultDatabasePath(dataDir: string = defaultDataDir()): string {
  return path.join(dataDir, DATABASE_FILE_NAME);
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** New id for a run or a simulation (a UUID: letters, digits and dashes, safe as a folder name). */
export function newId(): string {
  return randomUUID();
}

/** Ids become folder names, so they are restricted to letters, digits, '_' and '-' (at most 64). */
export function checkId(id: string, field = 'id'): string {
  if (!ID_PATTERN.test(id)) {
    throw new InvalidInputError(`Invalid id "${id}": use 1-64 letters, digits, '_' or '-'.`, field);
  }
  return id;
}

/** `<dataDir>/runs/<runId>` (absolute). */
export function runFolder(dataDir: string, runId: string): string {
  return path.join(dataDir, RUNS_FOLDER, checkId(runId));
}

/**
 * Normalises an artifact path to the stored form: relative to the data folder, '/'-separated, and
 * not escaping it. Accepts an absolute path inside the data folder or a relative one.
 */
export function toStoredArtifactPath(dataDir: string, artifactPath: string): string {
  const absolute = path.resolve(dataDir, artifactPath);
  const relative = path.relative(path.resolve(dataDir), absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new InvalidInputError(`Artifact path "${artifactPath}" is not inside the data folder ${dataDir}.`, 'path');
  }
  return relative.split(path.sep).join('/');
}

/** Absolute path of a stored (data-folder-relative) artifact path. */
export function resolveArtifactPath(dataDir: string, storedPath: string): string {
  return path.resolve(dataDir, toStoredArtifactPath(dataDir, storedPath));
}
