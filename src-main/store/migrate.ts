/**
 * Brings a database to the current schema: reads PRAGMA user_version, refuses a database from a
 * newer build, and runs every pending migration plus the user_version update in ONE immediate
 * transaction, so a failure anywhere leaves the file exactly as it was.
 */
import { readUserVersion, type WritableDB } from './db';
import { DatabaseTooNewError } from './errors';
import { MIGRATIONS, type Migration } from './migrations';

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migration list out of order: position ${index} holds version ${migration.version}.`);
    }
  });
}

export function migrate(db: WritableDB, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  checkOrder(migrations);
  const latest = migrations.length;
  const run = db.transaction((): MigrationResult => {
    // Read inside the (immediate) transaction so two processes cannot both apply the same step.
    const from = readUserVersion(db);
    if (from > latest) throw new DatabaseTooNewError(db.name, from, latest);
    const applied: string[] = [];
    for (const migration of migrations.slice(from)) {
      migration.up(db);
      applied.push(`${String(migration.version).padStart(3, '0')}-${migration.name}`);
    }
    if (latest !== from) {
      // A pragma cannot take a bound parameter; `latest` is an integer we computed, never input.
      db.pragma(`user_version = ${Math.trunc(latest)}`);
    }
    return { from, to: latest, applied };
  });
  return run.immediate();
}
