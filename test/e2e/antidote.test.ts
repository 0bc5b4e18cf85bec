/**
 * The antidote-data experiment from the Simulate page, in a real browser against the real web mode:
 * the run button calls sim.antidote (a worker job), and the plots of polarisation and of each group's
 * error against the budget appear, with a table whose rows show polarisation lowered at every budget;
 * with the unfairness objective, the gap between the groups' errors narrows at every budget.
 * Screenshot: test-artifacts/screenshots/antidote.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  web = await startWebMode([], mkdtempSync(join(tmpdir(), 'dlrm-e2e-antidote-')));
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(web.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('antidote data in the Simulate view', () => {
  it('runs the experiment from the UI and shows its plot', async () => {
    await page.goto(`${web.url}/#/simulate`);
    await page.waitForSelector('[data-testid="antidote-run"]');
    await page.click('[data-testid="antidote-run"]');
    await page.waitForSelector('[data-testid="antidote-plot"]', { timeout: 180_000 });
    expect(await page.getAttribute('[data-testid="antidote-plot"]', 'data-points')).toBe('4');
    // both charts drew their lines
    expect(await page.locator('[data-testid="antidote-plot"] svg path').count()).toBeGreaterThan(2);
    const changes = await page.locator('[data-testid="antidote-polarization-change"]').allTextContents();
    expect(changes).toHaveLength(4);
    // the default seed lowers polarisation at every budget (the engine test checks seeds 1-3)
    for (const change of changes) expect(Number.parseFloat(change)).toBeLessThan(0);
    await screenshot(page, 'antidote');
  });

  it('with the unfairness objective, the gap between the groups\' errors narrows at every budget', async () => {
    await page.selectOption('[data-testid="antidote-objective"]', 'unfairness');
    await page.click('[data-testid="antidote-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="antidote-run"]')?.hasAttribute('disabled') === false && document.querySelectorAll('[data-testid="antidote-gap-change"]').length === 4, undefined, { timeout: 180_000 });
    expect(await page.locator('[data-testid="antidote-gap-plot"] svg path').count()).toBeGreaterThan(1);
    const gapChanges = await page.locator('[data-testid="antidote-gap-change"]').allTextContents();
    expect(gapChanges).toHaveLength(4);
    // the default seed (42) narrows the gap at every budget (the engine test checks seeds 1-3)
    for (const change of gapChanges) expect(Number.parseFloat(change)).toBeLessThan(0);
    await screenshot(page, 'antidote-unfairness');
  });
});
