import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWritableDB, readUserVersion } from './db';
import { DatabaseNotMigratedError, DatabaseTooNewError } from './errors';
import { makeTempDir } from './fixtures/testing';
import { migrate } from './migrate';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';
import { openReadonlyStore, openStore } from './store';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('brings an empty file to the current schema, with STRICT tables and WAL', () => {
    const dbPath = path.join(dir, 'nested', 'folder', 'studio.sqlite');
    const store = openStore(dbPath);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(store.migration).toEqual({ from: 0, to: SCHEMA_VERSION, applied: ['001-initial', '002-early-stopping-and-sweeps'] });
    store.close();

    const raw = new Database(dbPath, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = raw
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    expect(tables.map((table) => table.name).sort()).toEqual(
      ['artifacts', 'metric_points', 'metric_series', 'run_tags', 'runs', 'simulation_rounds', 'simulations', 'sweeps', 'sweep_trials'].sort(),
    );
    for (const table of tables) expect(table.strict, table.name).toBe(1);
    raw.close();
  });

  it('does nothing on a second open', () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    openStore(dbPath).close();
    const again = openStore(dbPath);
    expect(again.migration).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    again.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    openStore(dbPath).close();
    const raw = new Database(dbPath);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();

    expect(() => openStore(dbPath)).toThrow(DatabaseTooNewError);
    expect(() => openReadonlyStore(dbPath)).toThrow(DatabaseTooNewError);
    try {
      openStore(dbPath);
    } catch (error) {
      expect(error).toBeInstanceOf(DatabaseTooNewError);
      expect((error as DatabaseTooNewError).foundVersion).toBe(SCHEMA_VERSION + 1);
      expect((error as Error).message).toMatch(/newer version of DLRM Studio/);
    }
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('refuses a newer database before touching it (its rollback journal mode stays)', () => {
    const dbPath = path.join(dir, 'future.sqlite');
    const future = new Database(dbPath);
    future.exec('CREATE TABLE something_new (x INTEGER) STRICT');
    future.pragma('user_version = 999');
    future.close();
    expect(() => openStore(dbPath)).toThrow(DatabaseTooNewError);
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('runs all pending migrations in one transaction: a failure in a later one undoes the earlier ones', () => {
    const db = openWritableDB(path.join(dir, 'studio.sqlite'));
    const failing: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up(target) {
        target.exec('CREATE TABLE half_done (x INTEGER) STRICT');
        throw new Error('migration failed on purpose');
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, failing])).toThrow('migration failed on purpose');
    expect(readUserVersion(db)).toBe(0);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).toEqual([]);
    // The real list still applies cleanly afterwards.
    expect(migrate(db).to).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a migration list with a gap', () => {
    const db = openWritableDB(path.join(dir, 'studio.sqlite'));
    const gap: Migration = { version: 5, name: 'gap', up() {} };
    expect(() => migrate(db, [...MIGRATIONS, gap])).toThrow(/out of order/);
    db.close();
  });

  it('a read-only store refuses a database that was never migrated', () => {
    const dbPath = path.join(dir, 'studio.sqlite');
    openWritableDB(dbPath).close();
    expect(() => openReadonlyStore(dbPath)).toThrow(DatabaseNotMigratedError);
  });
});
