import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors';
import { checkId, defaultDataDir, toStoredArtifactPath } from './paths';

describe('defaultDataDir', () => {
  it('follows each platform convention, and the environment override wins', () => {
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/dlrm-studio');
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'linux', '/home/ada')).toBe('/data/xdg/dlrm-studio');
    // A relative XDG_DATA_HOME is invalid per the XDG spec and is ignored.
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.local/share/dlrm-studio');
    expect(defaultDataDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/DLRM Studio');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\DLRM Studio',
    );
    expect(defaultDataDir({ DLRM_STUDIO_DATA_DIR: '/tmp/studio', XDG_DATA_HOME: '/x' }, 'linux', '/home/ada')).toBe('/tmp/studio');
  });
});

describe('ids and artifact paths', () => {
  it('accepts ids that are safe folder names only', () => {
    expect(checkId('0b7c3c1e-2f7d-4c33-9d1e-8f3f8b1c2a10')).toBe('0b7c3c1e-2f7d-4c33-9d1e-8f3f8b1c2a10');
    for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(65), 'a b']) expect(() => checkId(bad)).toThrow(InvalidInputError);
  });

  it('stores artifact paths relative to the data folder and refuses paths outside it', () => {
    expect(toStoredArtifactPath('/data', '/data/runs/r1/ckpt')).toBe('runs/r1/ckpt');
    expect(toStoredArtifactPath('/data', 'runs/r1/../r1/ckpt')).toBe('runs/r1/ckpt');
    expect(() => toStoredArtifactPath('/data', '/elsewhere/ckpt')).toThrow(InvalidInputError);
    expect(() => toStoredArtifactPath('/data', '../data2/x')).toThrow(InvalidInputError);
    expect(() => toStoredArtifactPath('/data', '/data')).toThrow(InvalidInputError);
  });
});
