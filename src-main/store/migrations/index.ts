/**
 * Every migration, oldest first. To change the schema add `NNN-what.ts` exporting a Migration with
 * the next version and append it here; never edit a migration that has shipped.
 */
import { migration001 } from './001-initial';
import { migration002 } from './002-early-stopping-and-sweeps';
import type { Migration } from './types';

export type { Migration } from './types';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;
