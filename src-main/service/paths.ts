/**
 * Which file paths a door may hand the service, and what they mean.
 *
 * - Relative paths resolve against a folder the user chose (the CLI: the shell's working
 *   directory) or are refused (web mode and the desktop app, whose working directory is the
 *   server's, not the user's).
 * - In web mode, data files are read and written only under the allowed folders (the setting
 *   `allowedDirs`, default: the user's home and the app's data folder); symbolic links are followed
 *   before the check, so a link cannot lead outside.
 * - An output path that exists is replaced only when the request says `overwrite: true`.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { ApiError, badRequest, boolean, string } from './validate';

/** Where the allowed folders of web mode come from, for refusal messages. */
export const ALLOWED_DIRS_SETTING = 'allowedDirs (web mode: --allow-dir DIR[,DIR...] or DLRM_STUDIO_ALLOWED_DIRS)';

export interface PathPolicy {
  /** Folder relative paths resolve against; null: relative paths are refused. */
  relativeBase: string | null;
  /** Data files may be read and written only under these folders; null: anywhere. */
  allowedDirs: readonly string[] | null;
}

/** The CLI's policy: relative to the shell's folder, anywhere the user's account may go. */
export function cliPathPolicy(cwd = process.cwd()): PathPolicy {
  return { relativeBase: cwd, allowedDirs: null };
}

const MAX_PATH = 4096;

/** A path from untrusted input, checked against the policy; returns it absolute (links not resolved). */
export function policyPath(value: unknown, field: string, policy: PathPolicy): string {
  const raw = string(value, field, { min: 1, max: MAX_PATH });
  if (raw.includes('\0')) throw badRequest(field, 'must not contain NUL characters');
  let path: string;
  if (isAbsolute(raw)) path = resolve(raw);
  else if (policy.relativeBase !== null) path = resolve(policy.relativeBase, raw);
  else throw badRequest(field, `give an absolute path (a relative path such as "${raw}" would be resolved against the server's folder, not yours)`);
  if (policy.allowedDirs !== null && !insideAny(realPathOfNearest(path), policy.allowedDirs.map(realPathOfNearest))) {
    throw new ApiError(`${field}: ${path} is outside the folders this app may use (${policy.allowedDirs.join(', ')}); the setting is ${ALLOWED_DIRS_SETTING}`, 'bad-request', field);
  }
  return path;
}

/**
 * An output path: policy-checked, its folder must exist, and a file already there is replaced
 * only when `overwrite` (the request's own field) is true.
 */
export function outputPath(value: unknown, field: string, policy: PathPolicy, overwrite: unknown): string {
  const path = policyPath(value, field, policy);
  const replace = overwrite === undefined ? false : boolean(overwrite, 'overwrite');
  const folder = dirname(path);
  if (!existsSync(folder)) throw badRequest(field, `the folder ${folder} does not exist`);
  if (!statSync(folder).isDirectory()) throw badRequest(field, `${folder} is a file, not a folder`);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw badRequest(field, `${path} is a folder; give a file name inside it (e.g. ${join(path, basename(path) + '.tsv')})`);
    if (!replace) throw new ApiError(`${field}: ${path} already exists; send overwrite: true to replace it (CLI: --overwrite)`, 'conflict', field);
  }
  return path;
}

/** True when `path` is one of `folders` or inside one. */
function insideAny(path: string, folders: readonly string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep));
}

/**
 * The real path of `path` (symbolic links followed) when it exists; else the real path of its
 * nearest existing ancestor with the rest appended.
 */
function realPathOfNearest(path: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      const real = realpathSync(current);
      return rest.length === 0 ? real : join(real, ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.push(basename(current));
      current = parent;
    }
  }
}
