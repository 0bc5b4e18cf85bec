/**
 * Collaborative filtering in the views, in a real browser against the real web mode: the Compare view
 * scores user-user, item-item and ALS on a chosen field pair of a finished run's data (a worker job)
 * beside the run's own test AUC, and Explore > Matrix factorisation fits ALS and a two-field DLRM on
 * one simulated log (then on two fields of the run's data) and draws their scores against each other. Screenshots: test-artifacts/screenshots/
 * compare-cf.png and mf-tie.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunDetail, StartRunInput } from '../../src-main/service/contract';
import { callWeb, launchBrowser, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const call = <T>(method: string, input: unknown): Promise<T> => callWeb<T>(web, method, input);
let runId = '';

const tiny: StartRunInput = {
  name: 'cf views',
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 300 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 4000, seed: 1 },
  train: { batchSize: 128, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0, checkpointEvery: 0, threads: 1 },
};

beforeAll(async () => {
  web = await startWebMode([], mkdtempSync(join(tmpdir(), 'dlrm-e2e-cf-')));
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(web.openUrl);
  runId = (await call<{ id: string }>('runs.start', tiny)).id;
  for (let wait = 0; wait < 240; wait++) {
    const detail = await call<RunDetail>('runs.get', { id: runId });
    if (detail.status === 'finished') return;
    if (detail.status === 'failed') throw new Error(`the run failed: ${detail.error}`);
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error('the run did not finish in 2 minutes');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('collaborative filtering in the Compare and Explore views', () => {
  it('Compare: CF on C1 x C2 of the run\'s data, four models with a test AUC beside the run\'s', async () => {
    await page.goto(`${web.url}/#/compare?ids=${runId}`);
    await page.waitForSelector('[data-testid="compare-cf-run"]:not([disabled])');
    await page.click('[data-testid="compare-cf-run"]');
    await page.waitForSelector('[data-testid="compare-cf-row"]', { timeout: 120_000 });
    const rows = await page.locator('[data-testid="compare-cf-row"]').allTextContents();
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row).toMatch(/0\.\d{4}/);
    expect(await page.textContent('[data-testid="compare-cf-summary"]')).toMatch(/C1 × C2: \d+ users/);
    await screenshot(page, 'compare-cf');
  });

  it('Explore > Matrix factorisation: ALS against the two-field DLRM, numbers and a 1,500-point scatter', async () => {
    await page.goto(`${web.url}/#/explore`);
    await page.selectOption('[data-testid="explore-run-picker"]', runId);
    await page.click('[data-testid="explore-tab-mf"]');
    await page.click('[data-testid="mf-tie-run"]');
    await page.waitForSelector('[data-testid="mf-tie-scatter"]', { timeout: 120_000 });
    expect(await page.getAttribute('[data-testid="mf-tie-scatter"]', 'data-points')).toBe('1500');
    expect(await page.locator('[data-testid="mf-tie-scatter"] circle').count()).toBe(1500);
    expect(await page.textContent('[data-testid="mf-tie-numbers"]')).toMatch(/NDCG@10, two-field DLRM\s*0\.\d{4}/);
    await screenshot(page, 'mf-tie');
  });

  it('Explore > Matrix factorisation: the same on C1 x C2 of the run\'s own data', async () => {
    await page.selectOption('[data-testid="mf-tie-source"]', 'run');
    await page.click('[data-testid="mf-tie-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="mf-tie-numbers"]')?.textContent?.includes('C1 x C2') === true, undefined, { timeout: 120_000 });
    expect(await page.textContent('[data-testid="mf-tie-numbers"]')).toMatch(/C1 x C2: \d+ users × \d+ items/);
    expect(Number(await page.getAttribute('[data-testid="mf-tie-scatter"]', 'data-points'))).toBeGreaterThan(100);
    await screenshot(page, 'mf-tie-run-data');
  });
});
