/**
 * Loading packages that may be absent (optionalDependencies) at run time. The name goes through a
 * variable so bundlers do not try to resolve it at build time.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** require(name), or the error that stopped it. */
export function tryRequire(name: string): { module: unknown; error: null } | { module: null; error: Error } {
  try {
    return { module: requireHere(name) as unknown, error: null };
  } catch (e) {
    return { module: null, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

/** Resolves a package file path (e.g. "pkg/package.json"), or null when the package is not installed. */
export function tryResolve(name: string): string | null {
  try {
    return requireHere.resolve(name);
  } catch {
    return null;
  }
}

/** A short one-line reason from an error (first line, without the require stack). */
export function shortReason(error: Error): string {
  const line = error.message.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
