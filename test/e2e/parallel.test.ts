/**
 * The run page's parallel-training section, in a real browser against the web mode: a hybrid run
 * (trained by the CLI with --hybrid 2 into the same data folder) shows its per-phase times as a
 * stacked chart with all ten phases, and its sharding plan as two worker columns with the
 * butterfly's arrows; moving a table re-plans, and a budget nobody meets is refused with numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, repoRoot, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let runId = '';

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-e2e-parallel-'));
  const train = spawnSync(
    process.execPath,
    [join(repoRoot, 'out/main/cli.js'), 'train', '--data', 'synthetic', '--rows', '8000', '--hash-size', '400', '--dim', '8', '--bottom', '13-16-8', '--top', '32-1',
      '--batch', '256', '--optimizer', 'adam', '--sparse-optimizer', 'rowwise-adagrad', '--lr', '0.01', '--backend', 'wasm', '--hybrid', '2', '--data-dir', dataDir, '--json'],
    { encoding: 'utf8', timeout: 240_000 },
  );
  if (train.status !== 0) throw new Error(`training failed: ${train.stderr}`);
  runId = (JSON.parse(train.stdout) as { id: string }).id;
  web = await startWebMode([], dataDir);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('parallel training on the run page (web mode)', () => {
  it('shows the phase times and the sharding plan, and re-plans when the user moves a table', async () => {
    await page.goto(`${web.url}/#token=${web.token}`);
    await page.waitForSelector('[data-testid="nav-sweeps"]', { timeout: 30_000 });
    await page.goto(`${web.url}/#/run/${encodeURIComponent(runId)}`);
    await page.waitForSelector('[data-testid="run-phase-times"] rect', { timeout: 30_000 });
    expect(await page.locator('[data-testid="run-phase-times"] li').count()).toBe(10);
    expect(await page.locator('[data-testid="run-phase-times"] rect').count()).toBeGreaterThan(0);
    await page.waitForSelector('[data-testid="plan-worker"]');
    expect(await page.locator('[data-testid="plan-worker"]').count()).toBe(2);
    expect(await page.textContent('[data-testid="plan-arrows"]')).toMatch(/worker 0 → worker 1: .*KiB/);
    await screenshot(page, '50-run-parallel');

    // move a table from worker 0 to worker 1: now 12 / 14
    await page.locator('[data-testid="plan-worker"]').first().locator('button.table').first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="plan-worker"]')[1]?.querySelectorAll('button.table').length === 14);
    // a budget of 1 MiB per worker cannot hold this placement's MLPs with Adam and the tables of either half
    await page.fill('[data-testid="run-sharding-plan"] input[placeholder="none"]', '0.01');
    await page.waitForSelector('[data-testid="plan-problem"]');
    expect(await page.textContent('[data-testid="plan-problem"]')).toMatch(/over its budget of/);
  });
});
