/**
 * Test support: launch Debian's chromium through playwright-core (no downloaded browsers here) and
 * start the built web mode as a child process, exactly as a user would (`node out/main/web.js`).
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const artifactsDir = join(repoRoot, 'test-artifacts/screenshots');

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium)`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'dlrm-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close() };
}

export interface WebModeProcess {
  url: string;
  openUrl: string;
  token: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node out/main/web.js` on a free port with a fresh data dir and waits for its URL line. */
export async function startWebMode(extraArgs: string[] = [], dataDir?: string): Promise<WebModeProcess> {
  const webEntry = join(repoRoot, 'out/main/web.js');
  if (!existsSync(webEntry)) throw new Error('out/main/web.js is missing: run `npm run build` first');
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'dlrm-e2e-data-'));
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [webEntry, '--port', '0', '--data-dir', dir, '--no-open', ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const openUrl = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode did not print its URL in 60 s:\n${output}`)), 60_000);
    const check = (): void => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web mode exited with ${code}:\n${output}`));
    });
  });
  const url = openUrl.slice(0, openUrl.indexOf('/#token='));
  const token = openUrl.slice(openUrl.indexOf('#token=') + '#token='.length);
  return {
    url,
    openUrl,
    token,
    dataDir: dir,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 10_000);
        child.on('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    },
  };
}

/** One service call through a web mode's HTTP door, as the renderer makes it; a non-2xx answer throws with its body. */
export async function callWeb<T>(web: Pick<WebModeProcess, 'url' | 'token'>, method: string, input: unknown): Promise<T> {
  const response = await fetch(`${web.url}/api/call/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token}` },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw new Error(`${method} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
