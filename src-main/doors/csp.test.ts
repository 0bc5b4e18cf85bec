import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plugin } from 'vite';
import config from '../../electron.vite.config';
import { CONTENT_SECURITY_POLICY, developmentPolicy } from './csp';

describe('content security policy', () => {
  it('is strict in production: nothing inline, nothing remote', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|ws:/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
  });

  it("relaxes only styles and the dev server's websocket for electron-vite dev", () => {
    const dev = developmentPolicy(CONTENT_SECURITY_POLICY);
    expect(dev).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(dev).toMatch(/connect-src 'self' ws:\/\/localhost:\*/);
    expect(dev).toMatch(/script-src 'self';/);
    expect(dev).not.toMatch(/unsafe-eval|https?:/);
  });

  it("the renderer's dev-server plugin rewrites the meta tag, and only under the dev server", () => {
    const renderer = (config as { renderer: { plugins: Plugin[] } }).renderer;
    const plugin = renderer.plugins.find((p) => p.name === 'dlrm-studio-development-csp');
    expect(plugin?.apply).toBe('serve');
    const html = readFileSync(join(import.meta.dirname, '../../src-renderer/index.html'), 'utf8');
    const transform = plugin?.transformIndexHtml as (html: string) => string;
    const out = transform(html);
    expect(html).not.toMatch(/unsafe-inline/);
    expect(out).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(out).toMatch(/script-src 'self';/);
  });
});
