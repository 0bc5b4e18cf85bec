/**
 * What every part of the service shares: the store, the job runner, the event bus and the folders.
 */
import type { WritableStore } from '../store';
import type { AppInfo, StudioEvent } from './contract';
import type { JobRunner } from './jobs';
import type { PathPolicy } from './paths';

export interface ServiceContext {
  readonly store: WritableStore;
  readonly jobs: JobRunner;
  /** Folder of the database; runs live in `<dataDir>/runs/<id>/`. */
  readonly dataDir: string;
  /** Preprocessed-dataset cache (`<dataDir>/cache`). */
  readonly cacheDir: string;
  readonly door: AppInfo['door'];
  /** Which file paths this door's requests may name (relative paths, allowed folders). */
  readonly paths: PathPolicy;
  emit(event: StudioEvent): void;
}

/** A part of the method table: method name -> handler of untrusted input. */
export type MethodHandlers = Record<string, (input: unknown) => unknown>;
