/**
 * Input validation at the boundary. Every door hands the service `unknown` JSON; the service turns it
 * into a typed input here or throws an {@link ApiError} that names the offending field.
 * Small on purpose: plain functions over unknown, no schema library.
 */
import type { ApiErrorBody } from './contract';
import { fileProblem } from '../engine/data/errors';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorBody['code'] = 'bad-request',
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return this.field === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, field: this.field };
  }
}

/**
 * A file-system failure (an error with an errno code and a path) as a bad request whose message
 * names the path in plain words, never the system's raw text (ENOENT, EISDIR, ...); null otherwise.
 */
export function fileSystemApiError(err: unknown): ApiError | null {
  const errno = err as NodeJS.ErrnoException | null;
  if (!(err instanceof Error) || typeof errno?.code !== 'string' || !/^E[A-Z]+$/.test(errno.code) || typeof errno.path !== 'string') return null;
  return new ApiError(fileProblem(errno.path, err), 'bad-request');
}

export function badRequest(field: string, message: string): ApiError {
  return new ApiError(`${field}: ${message}`, 'bad-request', field);
}

export type Json = Record<string, unknown>;

export function object(value: unknown, field = 'input'): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(field, 'expected an object');
  }
  return value as Json;
}

/** Rejects keys the method does not know, so typos in requests do not pass silently. */
export function onlyKeys(value: Json, allowed: readonly string[], field = 'input'): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw badRequest(field === 'input' ? key : `${field}.${key}`, 'unknown field');
  }
}

export function string(value: unknown, field: string, opts: { min?: number; max?: number; pattern?: RegExp } = {}): string {
  if (typeof value !== 'string') throw badRequest(field, 'expected a string');
  const { min = 0, max = 10_000 } = opts;
  if (value.length < min) throw badRequest(field, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (value.length > max) throw badRequest(field, `must have at most ${max} characters`);
  if (opts.pattern && !opts.pattern.test(value)) throw badRequest(field, `has an invalid format`);
  return value;
}

export function optionalString(value: unknown, field: string, opts?: { min?: number; max?: number; pattern?: RegExp }): string | undefined {
  return value === undefined ? undefined : string(value, field, opts);
}

export function number(value: unknown, field: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(field, 'expected a finite number');
  if (opts.integer && !Number.isInteger(value)) throw badRequest(field, 'expected an integer');
  if (opts.min !== undefined && value < opts.min) throw badRequest(field, `must be >= ${opts.min}`);
  if (opts.max !== undefined && value > opts.max) throw badRequest(field, `must be <= ${opts.max}`);
  return value;
}

export function optionalNumber(value: unknown, field: string, opts?: { min?: number; max?: number; integer?: boolean }): number | undefined {
  return value === undefined ? undefined : number(value, field, opts);
}

export function integer(value: unknown, field: string, min: number, max: number): number {
  return number(value, field, { min, max, integer: true });
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw badRequest(field, 'expected true or false');
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw badRequest(field, `must be one of ${options.join(', ')}`);
  }
  return value as T;
}

export function array<T>(value: unknown, field: string, item: (v: unknown, field: string) => T, opts: { min?: number; max?: number } = {}): T[] {
  if (!Array.isArray(value)) throw badRequest(field, 'expected an array');
  const { min = 0, max = 10_000 } = opts;
  if (value.length < min) throw badRequest(field, `needs at least ${min} item${min === 1 ? '' : 's'}`);
  if (value.length > max) throw badRequest(field, `has more than ${max} items`);
  return value.map((v, i) => item(v, `${field}[${i}]`));
}

/** Run and simulation ids are UUID-like tokens; nothing else reaches SQL or the file system. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function id(value: unknown, field = 'id'): string {
  return string(value, field, { min: 1, max: 64, pattern: ID_PATTERN });
}

export function empty(value: unknown): Record<string, never> {
  if (value === undefined || value === null) return {};
  const o = object(value);
  onlyKeys(o, []);
  return {};
}
