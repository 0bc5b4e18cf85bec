/**
 * resources/ holds the app icon every door and the packager name: the SVG source and the PNG sizes the
 * platforms need (rendered by scripts/make-icons.sh). This checks each PNG is there at its stated size
 * and that the window and the renderer's favicon point at them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const ICON_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024] as const;

/** Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('resources/ (the app icon)', () => {
  it('has the SVG source with no remote reference', () => {
    const svg = readFileSync(join(repo, 'resources', 'icon.svg'), 'utf8');
    expect(svg).toMatch(/<svg[^>]+viewBox="0 0 1024 1024"/);
    expect(svg).not.toMatch(/(href|src)="https?:/);
  });

  it.each(ICON_SIZES)('has icons/%ix%i.png at that size', (size) => {
    expect(pngSize(readFileSync(join(repo, 'resources', 'icons', `${size}x${size}.png`)))).toEqual({ width: size, height: size });
  });

  it('has icon.png at 1024 px (what electron-builder and the window load)', () => {
    expect(pngSize(readFileSync(join(repo, 'resources', 'icon.png')))).toEqual({ width: 1024, height: 1024 });
  });

  it('is the window icon and the renderer favicon', () => {
    const electronMain = readFileSync(join(repo, 'src-main', 'doors', 'electron', 'main.ts'), 'utf8');
    expect(electronMain).toMatch(/join\(app\.getAppPath\(\), 'resources', 'icon\.png'\)/);
    expect(electronMain).toMatch(/icon: windowIcon/);
    const html = readFileSync(join(repo, 'src-renderer', 'index.html'), 'utf8');
    expect(html).toContain('<link rel="icon" type="image/svg+xml" href="../resources/icon.svg" />');
  });
});
