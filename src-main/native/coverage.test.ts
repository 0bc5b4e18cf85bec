/**
 * The ABI check covers everything native that Electron will load: the Electron door's and the engine
 * worker's source graphs (static imports followed through relative paths) name no installed package
 * holding a `.node` file other than ELECTRON_ADDON_PACKAGES, in an import or in any string literal
 * (the engine loads its optional backends by name at run time). And the worker never loads
 * better-sqlite3: in Electron it would get node_modules' Node build, which only the main process's
 * nativeBinding replaces.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ELECTRON_ADDON_PACKAGES, packageDirFrom } from './addons';

const srcMain = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = packageDirFrom(import.meta.url);

interface Graph {
  files: string[];
  /** Installed packages imported (names, without subpaths). */
  imported: Set<string>;
  /** Every string literal in the graph's files that names an installed package. */
  namedPackages: Set<string>;
}

function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;

function sourceGraph(entry: string): Graph {
  const graph: Graph = { files: [], imported: new Set(), namedPackages: new Set() };
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    graph.files.push(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target) pending.push(target);
      } else if (!specifier.startsWith('node:') && packageDir(packageName(specifier)) !== null) {
        // Installed packages only: the pattern also catches import-like text in comments.
        graph.imported.add(packageName(specifier));
      }
    }
    for (const match of text.matchAll(/['"`]([^'"`\s]+)['"`]/g)) {
      const literal = packageName(match[1]!);
      if (PACKAGE_NAME.test(literal) && packageDir(literal) !== null) graph.namedPackages.add(literal);
    }
  }
  return graph;
}

function hasNodeFile(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() ? hasNodeFile(join(dir, entry.name)) : entry.name.endsWith('.node')) return true;
  }
  return false;
}

/** The installed packages among `names` that hold a native addon. */
function nativePackages(names: Iterable<string>): string[] {
  return [...names].filter((name) => hasNodeFile(packageDir(name)!)).sort();
}

describe('what Electron loads natively', () => {
  const worker = sourceGraph(join(srcMain, 'engine/worker/main.ts'));
  const door = sourceGraph(join(srcMain, 'doors/electron/main.ts'));

  it('follows the graphs (sanity: the engine, tfjs and the store are reached)', () => {
    expect(worker.files.length).toBeGreaterThan(30);
    expect(worker.imported.has('@tensorflow/tfjs')).toBe(true);
    expect(door.imported.has('better-sqlite3')).toBe(true);
    expect(door.files.some((file) => file.endsWith(join('store', 'db.ts')))).toBe(true);
    // webgpu is loaded by name at run time, never imported: the literal scan is what finds it.
    expect(worker.namedPackages.has('webgpu')).toBe(true);
  });

  it('finds a native addon in better-sqlite3 and webgpu (the scan can see one)', () => {
    expect(nativePackages(['better-sqlite3', 'webgpu', '@tensorflow/tfjs'])).toEqual(['better-sqlite3', 'webgpu']);
  });

  it("the worker threads load no native addon outside the check, and never better-sqlite3", () => {
    const native = nativePackages(new Set([...worker.imported, ...worker.namedPackages]));
    expect(native.filter((name) => !ELECTRON_ADDON_PACKAGES.includes(name))).toEqual([]);
    expect(native).not.toContain('better-sqlite3');
    expect(worker.imported.has('better-sqlite3')).toBe(false);
  });

  it('the main process loads no native addon outside the check', () => {
    const native = nativePackages(new Set([...door.imported, ...door.namedPackages]));
    expect(native.filter((name) => !ELECTRON_ADDON_PACKAGES.includes(name))).toEqual([]);
  });
});
