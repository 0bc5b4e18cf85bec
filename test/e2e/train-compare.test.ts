/**
 * A new user's first session, in a real browser against the real web mode: the first-launch call to
 * action trains on the synthetic dataset, a second run comes from the New run form, both show up
 * finished in the runs table, the comparison opens and its CSV downloads. Screenshots of every page
 * go to test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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

async function waitForFinished(runPage: Page): Promise<void> {
  await runPage.waitForSelector('[data-testid="run-page"] [data-testid="run-status"][data-status="finished"]', { timeout: 240_000 });
}

describe('train, watch, find, compare, export (web mode)', () => {
  const runIds: string[] = [];

  it('first launch offers one-click training on the synthetic dataset, and the run is watched live', async () => {
    await page.goto(web.openUrl);
    // The token leaves the visible URL once read.
    await page.waitForSelector('[data-testid="first-run-cta"]', { timeout: 30_000 });
    expect(page.url()).not.toContain('token=');
    await screenshot(page, '01-first-launch');
    await page.click('[data-testid="first-run-cta"]');
    await page.waitForSelector('[data-testid="run-page"]');
    // Progress moves while it trains: the bar reports a percentage above zero before the end.
    await page.waitForFunction(() => {
      const bar = document.querySelector('[data-testid="run-progress"]');
      const value = Number(bar?.getAttribute('data-value') ?? '0');
      return value > 0 && value < 100;
    }, undefined, { timeout: 120_000 });
    await page.waitForSelector('[data-testid="run-samples-per-sec"]');
    await screenshot(page, '02-run-live');
    await waitForFinished(page);
    runIds.push((await page.getAttribute('[data-testid="run-page"]', 'data-run-id'))!);
    const auc = await page.textContent('[data-testid="test-metric-auc"]');
    expect(Number(auc?.replace(/[^0-9.]/g, ''))).toBeGreaterThan(0.6);
    // what the backend reported (SIMD, threads, adapter) is on the page, not only its name
    expect(await page.textContent('[data-testid="run-backend-detail"]')).toMatch(/^wasm/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, '03-run-finished');
  });

  it('the favicon is the app icon (resources/icon.svg), served from self as SVG', async () => {
    const href = await page.getAttribute('link[rel="icon"][type="image/svg+xml"]', 'href');
    expect(href).toMatch(/^\.\/assets\/icon-.*\.svg$/);
    const reply = await page.request.get(new URL(href!, page.url()).href);
    expect(reply.status()).toBe(200);
    expect(reply.headers()['content-type']).toBe('image/svg+xml');
    expect(await reply.text()).toContain('<svg');
  });

  it('a second run from the New run form, with live validation of the architecture', async () => {
    await page.click('[data-testid="nav-new"]');
    await page.waitForSelector('[data-testid="new-run-start"]');
    await page.fill('[data-testid="new-run-name"]', 'second run lr 0.05');
    await page.fill('[data-testid="synthetic-rows"]', '30000');
    await page.fill('[data-testid="model-hash-size"]', '2000');
    // A bottom MLP that does not end at the embedding dimension is refused before training.
    await page.fill('[data-testid="model-bottom-mlp"]', '13-64-32');
    await page.waitForSelector('[data-testid="model-errors"]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="model-errors"]')).toMatch(/16/);
    await page.fill('[data-testid="model-bottom-mlp"]', '13-64-16');
    await page.waitForFunction(() => !document.querySelector('[data-testid="model-errors"]'), undefined, { timeout: 10_000 });
    await page.fill('[data-testid="optimizer-lr"]', '0.05');
    await page.fill('[data-testid="train-eval-every"]', '30');
    await screenshot(page, '04-new-run');
    await page.click('[data-testid="new-run-start"]');
    await page.waitForSelector('[data-testid="run-page"]');
    await waitForFinished(page);
    runIds.push((await page.getAttribute('[data-testid="run-page"]', 'data-run-id'))!);
    expect(new Set(runIds).size).toBe(2);
  });

  it('both runs are in the runs table, finished; the comparison opens and exports CSV', async () => {
    await page.click('[data-testid="nav-runs"]');
    await page.waitForSelector('[data-testid="runs-table"]');
    for (const id of runIds) {
      await page.waitForSelector(`[data-testid="runs-row"][data-run-id="${id}"][data-status="finished"]`, { timeout: 30_000 });
    }
    await screenshot(page, '05-runs-table');
    for (const id of runIds) await page.click(`[data-testid="runs-row"][data-run-id="${id}"] [data-testid="run-select"]`);
    await page.click('[data-testid="compare-button"]');
    await page.waitForSelector('[data-testid="compare-chart"] svg path');
    await page.waitForSelector('[data-testid="config-diff"]');
    const diff = await page.textContent('[data-testid="config-diff"]');
    expect(diff).toContain('learningRate');
    await screenshot(page, '06-compare');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-csv"]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('run_id,run_name,metric,step,samples,wall_time,value');
    for (const id of runIds) expect(csv).toContain(id);
    expect(lines.some((l) => l.includes('valid/auc'))).toBe(true);
  });
});

describe('compare models (web mode)', () => {
  it('trains DLRM, DCN, FM and LR on the same data as one group and overlays them', async () => {
    await page.click('[data-testid="nav-new"]');
    await page.waitForSelector('[data-testid="compare-models-start"]');
    await page.fill('[data-testid="synthetic-rows"]', '8000');
    await page.fill('[data-testid="model-hash-size"]', '500');
    await page.fill('[data-testid="train-eval-every"]', '10');
    await page.click('[data-testid="compare-models-start"]');
    await page.waitForSelector('[data-testid="compare-page"]');
    const ids = new URL(page.url().replace('#/', '')).searchParams.get('ids')?.split(',') ?? [];
    expect(ids).toHaveLength(4);
    await page.click('[data-testid="nav-runs"]');
    for (const id of ids) {
      await page.waitForSelector(`[data-testid="runs-row"][data-run-id="${id}"][data-status="finished"]`, { timeout: 240_000 });
    }
    const runs = (await (
      await fetch(`${web.url}/api/call/runs.list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token}` },
        body: JSON.stringify({ tag: 'compare' }),
      })
    ).json()) as { id: string; modelKind: string; group: string | null; test: { auc: number | null } }[];
    const group = runs.filter((r) => ids.includes(r.id));
    expect(new Set(group.map((r) => r.modelKind))).toEqual(new Set(['dlrm', 'dcn', 'fm', 'lr']));
    expect(new Set(group.map((r) => r.group)).size).toBe(1);
    for (const r of group) expect(r.test.auc).not.toBeNull();
    await page.goto(`${web.url}/#/compare?ids=${ids.join(',')}`);
    await page.waitForSelector('[data-testid="compare-chart"] svg path');
    expect(await page.locator('[data-testid="compare-row"]').count()).toBe(4);
    await screenshot(page, '07-compare-models');
    // Per-model interpretation: DCN's cross-layer weights, FM's interaction heatmap.
    const dcn = group.find((r) => r.modelKind === 'dcn')!;
    await page.goto(`${web.url}/#/explore`);
    await page.selectOption('[data-testid="explore-run-picker"]', dcn.id);
    await page.click('[data-testid="explore-tab-dcn"]');
    await page.click('[data-testid="cross-layers-load"]');
    await page.waitForSelector('[data-testid="cross-layers-grid"] td.cell', { timeout: 60_000 });
    // 3 cross layers x (13 dense + 26 categorical) cells.
    expect(await page.locator('[data-testid="cross-layers-grid"] td.cell').count()).toBe(3 * 39);
    await screenshot(page, '08-dcn-cross-layers');
    const fm = group.find((r) => r.modelKind === 'fm')!;
    await page.selectOption('[data-testid="explore-run-picker"]', fm.id);
    await page.click('[data-testid="explore-tab-heatmap"]');
    await page.fill('[data-testid="heatmap-sample-rows"]', '300');
    await page.click('[data-testid="heatmap-load"]');
    await page.waitForSelector('[data-testid="heatmap-cells"] [data-row]', { timeout: 60_000 });
    await screenshot(page, '09-fm-heatmap');
  });
});

describe('web mode API guards (real process)', () => {
  it('refuses calls without the token, with a wrong token, and from another origin', async () => {
    const call = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${web.url}/api/call/runs.list`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await call({})).status).toBe(401);
    expect((await call({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await call({ authorization: `Bearer ${web.token}`, origin: 'http://example.com' })).status).toBe(403);
    const ok = await call({ authorization: `Bearer ${web.token}`, origin: web.url });
    expect(ok.status).toBe(200);
    expect(Array.isArray(await ok.json())).toBe(true);
    const bad = await fetch(`${web.url}/api/call/runs.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token}` },
      body: JSON.stringify({ model: {} }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { field?: string }).toMatchObject({ code: 'bad-request', field: 'model.kind' });
  });
});
