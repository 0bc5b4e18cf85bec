/**
 * The New run form's shuffle window (issue #15: train a prepared file in its stored day order,
 * shuffled only within windows of W rows), in a real browser against the real web mode, on real
 * Criteo rows: refused for synthetic data, then a run on a file with a window trains to the end and
 * keeps the window in its configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunDetail } from '../../src-main/service/contract';
import { callWeb, launchBrowser, repoRoot, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

const sample = join(repoRoot, '../shared/data/criteo-samples/pytorchfm_jqsl2012_criteo_train.txt');

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  web = await startWebMode(['--allow-dir', dirname(sample)]);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('shuffle window in the New run form (web mode)', () => {
  it('is refused for synthetic rows, and a file run with a window of 256 rows trains and keeps it', async () => {
    await page.goto(web.openUrl);
    await page.waitForSelector('[data-testid="nav-new"]', { timeout: 30_000 });
    await page.click('[data-testid="nav-new"]');
    await page.waitForSelector('[data-testid="new-run-start"]');
    await page.fill('[data-testid="new-run-name"]', 'day order, window 256');
    await page.fill('[data-testid="model-hash-size"]', '1000');

    // synthetic rows have no stored order: the form says so and will not start
    await page.fill('[data-testid="train-shuffle-window"]', '256');
    await page.waitForSelector('[data-testid="form-errors"]');
    expect(await page.textContent('[data-testid="form-errors"]')).toContain('Shuffle window: files only');
    expect(await page.isDisabled('[data-testid="new-run-start"]')).toBe(true);

    // a file of real Criteo rows: the window is accepted
    await page.click('[data-testid="dataset-file"]');
    await page.fill('[data-testid="dataset-path"]', sample);
    await page.click('[data-testid="dataset-preview-button"]');
    await page.waitForSelector('[data-testid="dataset-preview"]', { timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="form-errors"]'), undefined, { timeout: 10_000 });
    await screenshot(page, 'shuffle-window-01-form');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="new-run-start"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 30_000 });
    await page.click('[data-testid="new-run-start"]');
    await page.waitForSelector('[data-testid="run-page"]');
    await page.waitForSelector('[data-testid="run-page"] [data-testid="run-status"][data-status="finished"]', { timeout: 180_000 });
    const id = (await page.getAttribute('[data-testid="run-page"]', 'data-run-id'))!;
    const detail = await callWeb<RunDetail>(web, 'runs.get', { id });
    expect(detail.status).toBe('finished');
    expect(detail.config.train.shuffleWindow).toBe(256);
    expect(detail.config.dataset.kind).toBe('file');
    expect(detail.test.auc).not.toBeNull();
  });
});
