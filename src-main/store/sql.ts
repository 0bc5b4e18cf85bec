/**
 * Small helpers that keep every query parameterised.
 *
 * Values always travel as bound parameters. Identifiers (a sort column, say) cannot be bound, so they
 * pass through `sqlIdentifier`, which only ever returns one of the strings of a fixed whitelist.
 * Lists of ids travel as ONE JSON parameter (`IN (SELECT value FROM json_each(?))`), which keeps
 * them clear of SQLite's limit on bound variables without chunking.
 */
import { InvalidInputError } from './errors';

/**
 * Maps a caller's key (e.g. 'createdAt') to a SQL fragment from a fixed table, or throws.
 * The returned string is one of `allowed`'s values, never the caller's text.
 */
export function sqlIdentifier<K extends string>(key: string, allowed: Readonly<Record<K, string>>, field: string): string {
  if (!Object.prototype.hasOwnProperty.call(allowed, key)) {
    throw new InvalidInputError(
      `Unknown ${field} "${key}"; expected one of: ${Object.keys(allowed).join(', ')}.`,
      field,
    );
  }
  return allowed[key as K];
}

/** A LIKE pattern that matches `text` anywhere, with %, _ and \ escaped (use with ESCAPE '\'). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Non-finite numbers are stored as NULL (JSON and the contract carry them as null). */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function nowIso(): string {
  return new Date().toISOString();
}
