/**
 * The store loads SQLite from the binary it is given (better-sqlite3's `nativeBinding`): the
 * Electron door passes Electron's build this way, Node leaves it unset. Here a copy of node_modules'
 * Node build, at another path, stands in for the Electron build (Node cannot load Electron's).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './store';

const require = createRequire(import.meta.url);
const nodeBuild = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const scratch = mkdtempSync(join(tmpdir(), 'store-binding-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('openStore({ nativeBinding })', () => {
  it('loads SQLite from the given binary, for the writer and for the readers it opens', () => {
    const binding = join(scratch, 'electron-build', 'better_sqlite3.node');
    mkdirSync(dirname(binding), { recursive: true });
    copyFileSync(nodeBuild, binding);
    expect(require.cache[binding]).toBeUndefined();

    const store = openStore(join(scratch, 'a', 'studio.sqlite'), { nativeBinding: binding });
    try {
      // Node's module cache is shared with better-sqlite3's require: the copy is what got loaded.
      expect(require.cache[binding]).toBeDefined();
      const reader = store.openReader();
      try {
        expect(reader.listRuns({}).length).toBe(0);
        // The reader too: node_modules' build was never loaded.
        expect(require.cache[nodeBuild]).toBeUndefined();
      } finally {
        reader.close();
      }
    } finally {
      store.close();
    }
  });

  it('fails at open, before creating the database, when the binary is not there', () => {
    const databasePath = join(scratch, 'b', 'studio.sqlite');
    expect(() => openStore(databasePath, { nativeBinding: join(scratch, 'missing', 'better_sqlite3.node') })).toThrow(/Cannot find module/);
    expect(existsSync(databasePath)).toBe(false);
  });

  it("uses node_modules' build when no binary is given", () => {
    const store = openStore(join(scratch, 'c', 'studio.sqlite'));
    store.close();
    expect(require.cache[nodeBuild]).toBeDefined();
  });
});
