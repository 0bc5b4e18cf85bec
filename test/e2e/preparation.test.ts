/**
 * The run page while a run prepares its data (issue #15: minutes on a Kaggle-size file), in a real
 * browser against the real web mode: a bar, what it is doing and an ETA, before the first step; the
 * run can be cancelled from there. Screenshot: test-artifacts/screenshots/preparation-01-run-preparing.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunDetail, StartRunInput } from '../../src-main/service/contract';
import { callWeb, launchBrowser, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const call = <T>(method: string, input: unknown): Promise<T> => callWeb<T>(web, method, input);

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

/** 1,500,000 synthetic rows: generation takes seconds and reports every 65,536 rows. */
const run: StartRunInput = {
  name: 'a long preparation',
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 1000 },
  optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 1_500_000, seed: 6 },
  train: { batchSize: 1024, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

describe('data preparation on the run page (web mode)', () => {
  it('shows the preparation with a bar, its message and an ETA, and the run cancels from there', async () => {
    await page.goto(`${web.url}/#token=${web.token}`);
    await page.waitForSelector('[data-testid="nav-sweeps"]', { timeout: 30_000 });
    const { id } = await call<{ id: string }>('runs.start', run);
    await page.goto(`${web.url}/#/run/${encodeURIComponent(id)}`);
    await page.waitForFunction(
      () => /generating synthetic rows: \d+ of 1500000/.test(document.querySelector('[data-testid="run-preparing-message"]')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    // the ETA is known once a second has passed (before that it reads as a dash)
    await page.waitForFunction(() => /^\d+s elapsed, ETA \d+(m \d\d)?s$/.test(document.querySelector('[data-testid="run-preparing-eta"]')?.textContent?.trim() ?? ''), undefined, {
      timeout: 30_000,
    });
    const bar = Number(await page.getAttribute('[data-testid="run-preparing-progress"]', 'data-value'));
    expect(bar).toBeGreaterThan(0);
    expect(bar).toBeLessThan(100);
    await screenshot(page, 'preparation-01-run-preparing');

    await page.click('[data-testid="run-cancel"]');
    for (let i = 0; i < 600; i++) {
      const detail = await call<RunDetail>('runs.get', { id });
      if (detail.status === 'cancelled') break;
      expect(['queued', 'running', 'cancelled']).toContain(detail.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call<RunDetail>('runs.get', { id })).status).toBe('cancelled');
    // the preparation's bar goes with the run's end
    await page.waitForSelector('[data-testid="run-preparing"]', { state: 'detached', timeout: 10_000 });
  });
});
