/**
 * Looking inside a trained model and simulating feedback loops, in a real browser against the real
 * web mode: a run trained with the CLI is projected with PCA, t-SNE and UMAP, a point is hovered and
 * selected and its neighbours listed, the interaction heatmap and the recommendations open; then a
 * small simulation runs from the Simulate page and its plots appear. Screenshots go to
 * test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, repoRoot, screenshot, startWebMode, type WebModeProcess } from '../support/browser';

let web: WebModeProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let runId: string;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-e2e-explore-'));
  const trained = spawnSync(
    process.execPath,
    [join(repoRoot, 'out/main/cli.js'), 'train', '--data', 'synthetic', '--rows', '30000', '--hash-size', '3000', '--batch', '256',
      '--optimizer', 'adam', '--sparse-optimizer', 'rowwise-adagrad', '--lr', '0.01', '--data-dir', dataDir, '--json'],
    { encoding: 'utf8', timeout: 240_000 },
  );
  if (trained.status !== 0) throw new Error(`CLI training failed: ${trained.stderr}`);
  runId = (JSON.parse(trained.stdout) as { id: string }).id;
  web = await startWebMode([], dataDir);
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(web.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

/** Counts server-sent events of one type on the web mode's event stream until stopped. */
function countEvents(type: string): { stop(): Promise<number> } {
  const controller = new AbortController();
  let text = '';
  const reading = (async () => {
    try {
      const response = await fetch(`${web.url}/api/events?token=${web.token}`, { signal: controller.signal });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  return {
    stop: async () => {
      controller.abort();
      await reading;
      return text.split(`"type":"${type}"`).length - 1;
    },
  };
}

async function project(method: 'pca' | 'tsne' | 'umap'): Promise<number> {
  await page.check(`[data-testid="method-${method}"]`);
  if (method === 'tsne') await page.getByLabel('Iterations').fill('1000');
  await page.click('[data-testid="project-button"]');
  await page.waitForFunction(
    (m) => {
      const canvas = document.querySelector('[data-testid="scatter-canvas"]');
      const button = document.querySelector('[data-testid="project-button"]') as HTMLButtonElement | null;
      return canvas && Number(canvas.getAttribute('data-points')) > 0 && button && !button.disabled && m.length > 0;
    },
    method,
    { timeout: 180_000 },
  );
  return Number(await page.getAttribute('[data-testid="scatter-canvas"]', 'data-points'));
}

describe('explore a trained run (web mode)', () => {
  it('projects a table with PCA, t-SNE and UMAP', async () => {
    await page.goto(`${web.url}/#/explore`);
    await page.waitForSelector('[data-testid="explore-run-picker"]');
    await page.selectOption('[data-testid="explore-run-picker"]', runId);
    await page.selectOption('[data-testid="projector-table"]', '0');
    await page.fill('[data-testid="projector-max-points"]', '800');
    const pcaPoints = await project('pca');
    expect(pcaPoints).toBeGreaterThan(50);
    await page.waitForSelector('[data-testid="explained-variance"]');
    await screenshot(page, '10-projector-pca');
    // While t-SNE iterates, intermediate layouts stream to the UI (about one a second).
    const frames = countEvents('projection-frame');
    expect(await project('tsne')).toBe(pcaPoints);
    expect(await frames.stop()).toBeGreaterThan(0);
    await screenshot(page, '11-projector-tsne');
    expect(await project('umap')).toBe(pcaPoints);
    await screenshot(page, '12-projector-umap');
  });

  it('hovering a point shows its row; selecting it lists neighbours from the full embedding', async () => {
    const probe = (await page.getAttribute('[data-testid="scatter-canvas"]', 'data-probe'))!;
    const [x, y] = probe.split(',').map(Number) as [number, number];
    const box = (await page.locator('[data-testid="scatter-canvas"]').boundingBox())!;
    await page.mouse.move(box.x + x, box.y + y);
    await page.waitForSelector('[data-testid="scatter-tooltip"]', { timeout: 10_000 });
    expect(await page.getAttribute('[data-testid="scatter-canvas"]', 'data-hovered')).not.toBe('');
    await page.mouse.click(box.x + x, box.y + y);
    await page.waitForSelector('[data-testid="selected-point"]');
    await page.waitForSelector('[data-testid="neighbor-item"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="neighbor-item"]').count()).toBeGreaterThan(0);
    await screenshot(page, '13-projector-neighbours');
  });

  it('opens the interaction heatmap and the recommendations', async () => {
    await page.click('[data-testid="explore-tab-heatmap"]');
    await page.fill('[data-testid="heatmap-sample-rows"]', '500');
    await page.click('[data-testid="heatmap-load"]');
    await page.waitForSelector('[data-testid="heatmap-cells"] [data-row]', { timeout: 120_000 });
    // 27 x 27 cells: the dense vector and C1..C26.
    expect(await page.locator('[data-testid="heatmap-cells"] [data-row]').count()).toBeGreaterThanOrEqual(27 * 26 / 2);
    await screenshot(page, '14-heatmap');
    await page.click('[data-testid="explore-tab-recommend"]');
    await page.fill('[data-testid="recommend-k"]', '5');
    await page.click('[data-testid="recommend-button"]');
    await page.waitForSelector('[data-testid="recommendation-row"]', { timeout: 120_000 });
    expect(await page.locator('[data-testid="recommendation-row"]').count()).toBe(5);
    await screenshot(page, '15-recommendations');
  });
});

describe('simulate engagement versus diversity (web mode)', () => {
  it('runs a small simulation from the UI and shows its plots', async () => {
    await page.goto(`${web.url}/#/simulate`);
    await page.waitForSelector('[data-testid="sim-run"]');
    await page.fill('[data-testid="sim-users"]', '100');
    await page.fill('[data-testid="sim-items"]', '150');
    await page.fill('[data-testid="sim-rounds"]', '12');
    await page.click('[data-testid="sim-run"]');
    await page.waitForSelector('[data-testid="sim-status"][data-status="finished"]', { timeout: 180_000 });
    await page.waitForSelector('[data-testid="sim-chart"] svg path');
    expect(await page.locator('[data-testid="sim-chart"]').count()).toBeGreaterThan(3);
    await page.waitForSelector('[data-testid="sim-frontier"]');
    await screenshot(page, '20-simulation');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="sim-export-csv"]')]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^simulation_id,seed,policy,round,clickRate,/);
    // 12 rounds for each policy of the default form.
    expect(csv.filter((line) => line.includes(',oracle,')).length).toBe(12);
  });
});
