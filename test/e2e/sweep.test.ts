/**
 * A small sweep from the UI, in a real browser against the web mode: the sweep form starts a
 * successive-halving search over two settings, the sweep page fills its trials table and parallel
 * coordinates live, brushing an axis filters the lines, and the best trial trains again as a new run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('sweeps (web mode)', () => {
  it('runs a tiny successive-halving sweep from the UI and plots it', async () => {
    await page.goto(web.openUrl);
    await page.waitForSelector('[data-testid="nav-sweeps"]', { timeout: 30_000 });
    await page.click('[data-testid="nav-sweeps"]');
    await page.waitForSelector('[data-testid="sweeps-empty"]');
    await page.click('[data-testid="sweeps-new"]');
    await page.waitForSelector('[data-testid="sweep-base"]', { timeout: 30_000 });
    await page.fill('[data-testid="sweep-rows"]', '4000');
    await page.selectOption('[data-testid="sweep-strategy"]', 'halving');
    await page.fill('[data-testid="sweep-trials-input"]', '4');
    await page.fill('[data-testid="sweep-eta"]', '2');
    await page.fill('[data-testid="sweep-rungs"]', '2');
    await page.fill('[data-testid="sweep-param-values-0"]', '0.002..0.05 log');
    await page.fill('[data-testid="sweep-param-values-1"]', '8, 16');
    await screenshot(page, '40-sweep-new');
    await page.click('[data-testid="sweep-start"]');

    await page.waitForSelector('[data-testid="sweep-page"]');
    // live: the trials table is there while it runs, then the sweep finishes
    await page.waitForSelector('[data-testid="sweep-trial-row"]', { timeout: 30_000 });
    expect(await page.locator('[data-testid="sweep-trial-row"]').count()).toBe(4);
    await page.waitForSelector('[data-testid="sweep-page"] [data-testid="run-status"][data-status="finished"]', { timeout: 280_000 });
    // successive halving with eta 2: two trials stopped at the first rung, two trained to the end
    const states = await page.locator('[data-testid="sweep-trial-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(states.filter((s) => s === 'pruned')).toHaveLength(2);
    expect(states.filter((s) => s === 'finished')).toHaveLength(2);

    // the plot: one line per trial, the best drawn apart, pruned ones dashed
    await page.waitForSelector('[data-testid="sweep-parallel-coordinates"] svg');
    expect(await page.locator('[data-testid="pc-line"]').count()).toBe(4);
    expect(await page.locator('[data-testid="pc-line"].best').count()).toBe(1);
    expect(await page.locator('[data-testid="pc-line"].stopped').count()).toBe(2);
    expect(await page.locator('[data-testid="sweep-scatter"] circle').count()).toBeGreaterThanOrEqual(8);
    expect(await page.textContent('[data-testid="sweep-importance"]')).toMatch(/learning rate/);
    await screenshot(page, '41-sweep-finished');

    // brushing the metric axis' top tenth keeps the best trial and drops at least one other
    const axis = await page.locator('[data-testid="pc-axis-value"]').boundingBox();
    expect(axis).not.toBeNull();
    const x = axis!.x + axis!.width / 2;
    await page.mouse.move(x, axis!.y + 2);
    await page.mouse.down();
    await page.mouse.move(x, axis!.y + axis!.height * 0.15, { steps: 5 });
    await page.mouse.up();
    const selected = await page.locator('[data-testid="pc-line"]').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-selected')));
    expect(selected.filter((s) => s === 'true').length).toBeGreaterThanOrEqual(1);
    expect(selected.filter((s) => s === 'false').length).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="pc-line"].best').getAttribute('data-selected')).toBe('true');
    await screenshot(page, '42-sweep-brushed');

    // the best trial trains again as an ordinary run
    await page.click('[data-testid="sweep-best-again"]');
    await page.waitForSelector('[data-testid="run-page"]', { timeout: 30_000 });
  });
});
