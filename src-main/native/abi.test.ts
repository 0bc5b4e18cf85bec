import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findAddonAbi, loadsIn, readAddonAbi } from './abi';
import { electronAbiFor, ELECTRON_ABI_BY_MAJOR } from './electron-abi';

const require = createRequire(import.meta.url);
/** node_modules' build of better-sqlite3 (made by `npm install` for this Node). */
const nodeBuild = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const dawnNode = join(dirname(require.resolve('webgpu/package.json')), 'dist', `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`, 'dawn.node');

const scratch = mkdtempSync(join(tmpdir(), 'abi-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function planted(name: string, bytes: Buffer | string): string {
  const file = join(scratch, name);
  writeFileSync(file, bytes);
  return file;
}

describe('readAddonAbi', () => {
  it("reads node_modules' better-sqlite3 as this Node's ABI (115 on Node 20), which Electron 39 (ABI 140) cannot load", () => {
    const found = readAddonAbi(nodeBuild);
    expect(found).toEqual({ kind: 'node-abi', abi: Number(process.versions.modules) });
    if (process.versions.node.startsWith('20.')) expect(found).toEqual({ kind: 'node-abi', abi: 115 });
    expect(loadsIn(found, Number(process.versions.modules))).toBe(true);
    expect(electronAbiFor('39.8.10')).toBe(140);
    expect(loadsIn(found, 140)).toBe(false);
  });

  it("reads webgpu's dawn.node as Node-API, which loads in every runtime", () => {
    const found = readAddonAbi(dawnNode);
    expect(found).toEqual({ kind: 'node-api' });
    expect(loadsIn(found, 115)).toBe(true);
    expect(loadsIn(found, 140)).toBe(true);
  });

  it('finds a symbol cut by the chunk boundary (1 MiB) and one far into a large file', () => {
    const cut = Buffer.alloc((1 << 20) + 100, 0x41);
    const name = Buffer.from('\0node_register_module_v140\0', 'latin1');
    name.copy(cut, (1 << 20) - 10);
    expect(readAddonAbi(planted('cut.node', cut))).toEqual({ kind: 'node-abi', abi: 140 });

    const far = Buffer.alloc(3 * (1 << 20), 0x42);
    Buffer.from('_napi_register_module_v1\0', 'latin1').copy(far, far.length - 40);
    expect(readAddonAbi(planted('far.node', far))).toEqual({ kind: 'node-api' });
  });

  it('says unknown for a file that is not an addon, and throws ENOENT for a missing one', () => {
    expect(readAddonAbi(planted('text.node', 'not a shared library'))).toEqual({ kind: 'unknown' });
    expect(() => readAddonAbi(join(scratch, 'absent.node'))).toThrow(expect.objectContaining({ code: 'ENOENT' }) as Error);
  });
});

describe('findAddonAbi', () => {
  it('takes the Mach-O spelling (leading underscore) and needs the name to end at a NUL', () => {
    expect(findAddonAbi(Buffer.from('\0_node_register_module_v115\0', 'latin1'))).toEqual({ kind: 'node-abi', abi: 115 });
    // Inside a longer identifier, or without a terminating NUL (cut off): not a symbol.
    expect(findAddonAbi(Buffer.from('\0xnode_register_module_v115\0', 'latin1'))).toBeNull();
    expect(findAddonAbi(Buffer.from('\0node_register_module_v115', 'latin1'))).toBeNull();
    expect(findAddonAbi(Buffer.from('\0node_register_module_vX\0', 'latin1'))).toBeNull();
    expect(findAddonAbi(Buffer.from('\0napi_register_module_v12\0', 'latin1'))).toBeNull();
  });
});

describe('electronAbiFor', () => {
  it('asks node-abi first and falls back to the table by major', () => {
    expect(electronAbiFor('39.2.0', null)).toBe(140);
    expect(electronAbiFor('38.1.0', null)).toBe(139);
    expect(electronAbiFor('99.0.0', null)).toBeNull();
    expect(electronAbiFor('99.0.0', () => '777')).toBe(777);
    expect(
      electronAbiFor('39.0.0', () => {
        throw new Error('Could not detect abi for version 39.0.0 and runtime electron');
      }),
    ).toBe(140);
  });

  it("agrees with node-abi's registry on every Electron major in the table", () => {
    const nodeAbi = require('node-abi') as { getAbi(target: string, runtime: string): string };
    for (const [major, abi] of Object.entries(ELECTRON_ABI_BY_MAJOR)) {
      expect(Number(nodeAbi.getAbi(`${major}.0.0`, 'electron'))).toBe(abi);
    }
  });
});
