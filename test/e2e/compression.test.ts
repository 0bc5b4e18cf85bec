/**
 * Issue #15 in a real browser against the real web mode: the New run form's memory plan shrinks when
 * quotient-remainder embeddings are chosen, the QR run trains to the end, the Compare page's
 * memory-versus-quality scatter puts it left of a full-table run on the same data, and the Explore
 * projector draws the QR run's (combined) embedding rows. Screenshots go to test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ProjectionResult, RunDetail, StartRunInput } from '../../src-main/service/contract';
import { callWeb, launchBrowser, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

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

const call = <T>(method: string, input: unknown): Promise<T> => callWeb<T>(web, method, input);

async function finished(id: string): Promise<RunDetail> {
  for (let i = 0; i < 1200; i++) {
    const detail = await call<RunDetail>('runs.get', { id });
    if (detail.status !== 'queued' && detail.status !== 'running') return detail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not end in 120 s`);
}

/** "12.5 KiB" / "3.1 MiB" / "900 B" as formatBytes writes it, back to bytes. */
function parseBytes(text: string | null): number {
  const match = /([\d.]+)\s*(B|KiB|MiB|GiB)/.exec(text ?? '');
  if (!match) throw new Error(`no byte size in ${JSON.stringify(text)}`);
  const power = ['B', 'KiB', 'MiB', 'GiB'].indexOf(match[2]!);
  return Number(match[1]) * 1024 ** power;
}

/**
 * The plan's total (as the page prints it) and its Tables segment (bytes) once the plan shows tables of
 * `bytes` (the bar re-asks 400 ms after the last change of the form).
 */
async function planWithTables(bytes: number): Promise<{ totalText: string; tables: number }> {
  await page.waitForFunction(
    (expected) => Number(document.querySelector('[data-testid="memory-plan-segment"][data-label="Tables"]')?.getAttribute('data-bytes')) === expected,
    bytes,
    { timeout: 15_000 },
  );
  const totalText = (await page.textContent('[data-testid="memory-plan-total"]'))!;
  const tables = Number(await page.getAttribute('[data-testid="memory-plan-segment"][data-label="Tables"]', 'data-bytes'));
  return { totalText, tables };
}

describe('memory-saving embeddings, end to end (web mode)', () => {
  let qrId = '';
  let fullId = '';

  it('the memory plan drops when QR embeddings are chosen, and the QR run trains to the end', async () => {
    await page.goto(web.openUrl);
    await page.click('[data-testid="nav-new"]');
    await page.waitForSelector('[data-testid="new-run-start"]');
    await page.fill('[data-testid="new-run-name"]', 'qr tables');
    await page.fill('[data-testid="synthetic-rows"]', '6000');
    await page.fill('[data-testid="model-hash-size"]', '4000');
    await page.fill('[data-testid="train-eval-every"]', '0');
    const dim = Number(await page.inputValue('[data-testid="model-embedding-dim"]'));
    // full float32 tables: 26 features x 4,000 rows x D x 4 bytes
    const full = await planWithTables(26 * 4000 * dim * 4);
    const fullTotal = parseBytes(full.totalText);
    await screenshot(page, 'compression-01-plan-full');

    await page.selectOption('[data-testid="model-compression"]', 'qr');
    // the form suggests m = ceil(sqrt(4000)) = 64 remainder rows: ceil(4000 / 64) = 63 quotient rows + 64 per feature
    expect(Number(await page.inputValue('[data-testid="model-qr-rows"]'))).toBe(64);
    const qr = await planWithTables(26 * (63 + 64) * dim * 4);
    const qrTotal = parseBytes(qr.totalText);
    expect(qr.totalText).not.toBe(full.totalText);
    expect(qrTotal).toBeLessThan(fullTotal);
    // the total falls by at least the tables' own bytes (their optimizer state and scratch shrink too), give or take the page's rounding
    expect(fullTotal - qrTotal).toBeGreaterThan((full.tables - qr.tables) * 0.95);
    await screenshot(page, 'compression-02-plan-qr');

    await page.click('[data-testid="new-run-start"]');
    await page.waitForSelector('[data-testid="run-page"]');
    qrId = (await page.getAttribute('[data-testid="run-page"]', 'data-run-id'))!;
    // the same data and model with full tables, started through the same service
    const qrConfig = (await call<RunDetail>('runs.get', { id: qrId })).config;
    expect(qrConfig.model.compression).toEqual({ kind: 'qr', remainderRows: 64, combine: 'product' });
    const { compression: _qr, ...fullModel } = qrConfig.model;
    const fullInput: StartRunInput = { ...qrConfig, name: 'full tables', model: fullModel };
    fullId = (await call<{ id: string }>('runs.start', fullInput)).id;

    await page.waitForSelector('[data-testid="run-page"] [data-testid="run-status"][data-status="finished"]', { timeout: 120_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'compression-03-qr-run');
    const [qrRun, fullRun] = [await finished(qrId), await finished(fullId)];
    expect(qrRun.status, qrRun.error ?? '').toBe('finished');
    expect(fullRun.status, fullRun.error ?? '').toBe('finished');
    // the tables' parameters: 26 x 4,000 x D against 26 x (63 + 64) x D, the MLPs alike
    expect(fullRun.paramCount! - qrRun.paramCount!).toBe(26 * (4000 - 127) * dim);
  });

  it('Compare plots one point per run, the QR run at fewer bytes (further left)', async () => {
    await page.goto(`${web.url}/#/compare?ids=${qrId},${fullId}`);
    await page.waitForSelector('[data-testid="memory-quality"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="memory-quality-point"]').length >= 2, undefined, { timeout: 30_000 });
    const points = await page.$$eval('[data-testid="memory-quality-point"]', (circles) =>
      circles.map((c) => ({ id: c.getAttribute('data-run-id'), bytes: Number(c.getAttribute('data-bytes')), auc: Number(c.getAttribute('data-auc')), x: Number(c.getAttribute('cx')) })),
    );
    expect(points.map((p) => p.id).sort()).toEqual([qrId, fullId].sort());
    const qrPoint = points.find((p) => p.id === qrId)!;
    const fullPoint = points.find((p) => p.id === fullId)!;
    expect(qrPoint.bytes).toBeLessThan(fullPoint.bytes);
    // model bytes are tables + MLPs: the MLPs are the same, the tables 26 x (4,000 - 127) rows x D float32 apart
    const dim = (await call<RunDetail>('runs.get', { id: qrId })).config.model.embeddingDim;
    expect(fullPoint.bytes - qrPoint.bytes).toBe(26 * (4000 - 127) * dim * 4);
    expect(qrPoint.x).toBeLessThan(fullPoint.x);
    // each point's height is its run's test AUC
    for (const p of points) expect(p.auc).toBe((await call<RunDetail>('runs.get', { id: p.id })).test.auc);
    await page.locator('[data-testid="memory-quality"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'compression-04-memory-quality');
  });

  it('Explore projects the QR run\'s embedding rows', async () => {
    await page.goto(`${web.url}/#/explore`);
    await page.waitForSelector('[data-testid="explore-run-picker"]');
    await page.selectOption('[data-testid="explore-run-picker"]', qrId);
    await page.selectOption('[data-testid="projector-table"]', '0');
    await page.fill('[data-testid="projector-max-points"]', '1000');
    await page.check('[data-testid="method-pca"]');
    await page.click('[data-testid="project-button"]');
    await page.waitForFunction(
      () => {
        const canvas = document.querySelector('[data-testid="scatter-canvas"]');
        const button = document.querySelector('[data-testid="project-button"]') as HTMLButtonElement | null;
        return canvas !== null && Number(canvas.getAttribute('data-points')) > 0 && button !== null && !button.disabled;
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.$('[data-testid="projector-error"]')).toBeNull();
    const drawn = Number(await page.getAttribute('[data-testid="scatter-canvas"]', 'data-points'));
    // as many points as the service lays out for the same request: C1's rows that the data filled
    const served = await call<ProjectionResult>('explore.project', { runId: qrId, table: 0, method: 'pca', dims: 2, maxPoints: 1000, seed: 1 });
    expect(drawn).toBe(served.points.length);
    expect(drawn).toBeGreaterThan(50);
    expect(drawn).toBeLessThanOrEqual(1000);
    await screenshot(page, 'compression-05-explore-qr');
  });
});
