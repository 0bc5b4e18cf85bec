/**
 * The renderer's state classes (rune modules, compiled by the Svelte plugin in vitest.config.ts)
 * against a scripted StudioClient: what they fetch, how events change them, how failures show.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodName, RunSummary, StudioClient, StudioEvent } from '../../../../src-main/service/contract';
import { RunsState, isActive } from './runs.svelte';
import { NoticesState } from './notices.svelte';
import { AppState } from './app.svelte';

function summary(id: string, status: RunSummary['status'], tags: string[] = []): RunSummary {
  return { id, name: id, status, tags, progress: 0 } as unknown as RunSummary;
}

/** A client whose answers the test scripts per method; records calls; events are pushed by hand. */
function scriptedClient(answers: Partial<Record<MethodName, (input: unknown) => unknown>>) {
  const listeners = new Set<(event: StudioEvent) => void>();
  const calls: [string, unknown][] = [];
  const client: StudioClient = {
    async call(method, input) {
      calls.push([method, input]);
      const answer = answers[method];
      if (!answer) throw new Error(`no answer scripted for ${method}`);
      return answer(input) as never;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { client, calls, push: (event: StudioEvent) => listeners.forEach((l) => l(event)), listenerCount: () => listeners.size };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('RunsState', () => {
  it('loads the runs, then each run configuration once', async () => {
    let runs = [summary('a', 'finished', ['x']), summary('b', 'running', ['y', 'x'])];
    const script = scriptedClient({
      'runs.list': () => runs,
      'runs.get': (input) => ({ config: { name: (input as { id: string }).id } }),
    });
    const state = new RunsState(script.client);
    await state.refresh();
    expect(state.loaded).toBe(true);
    expect(state.runs.map((r) => r.id)).toEqual(['a', 'b']);
    expect(state.anyActive).toBe(true);
    expect(state.allTags).toEqual(['x', 'y']);
    await vi.runAllTimersAsync();
    expect(Object.keys(state.configs).sort()).toEqual(['a', 'b']);
    runs = [summary('a', 'finished')];
    await state.refresh();
    await vi.runAllTimersAsync();
    expect(script.calls.filter(([m]) => m === 'runs.get')).toHaveLength(2);
    expect(state.anyActive).toBe(false);
  });

  it('shows a failed refresh as an error and keeps what it had', async () => {
    let fail = false;
    const script = scriptedClient({
      'runs.list': () => {
        if (fail) throw new Error('database is locked');
        return [summary('a', 'finished')];
      },
      'runs.get': () => ({ config: {} }),
    });
    const state = new RunsState(script.client);
    await state.refresh();
    fail = true;
    await state.refresh();
    expect(state.error).toContain('database is locked');
    expect(state.runs.map((r) => r.id)).toEqual(['a']);
    expect(state.loading).toBe(false);
  });

  it('follows run-progress and run-status events, and coalesces refetches', async () => {
    const script = scriptedClient({ 'runs.list': () => [summary('a', 'queued')], 'runs.get': () => ({ config: {} }) });
    const state = new RunsState(script.client);
    const stop = state.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(script.listenerCount()).toBe(1);
    script.push({ type: 'run-progress', runId: 'a', step: 5, totalSteps: 20, epoch: 0, loss: 0.5, samplesSeen: 320, samplesPerSec: 100 } as unknown as StudioEvent);
    expect(state.byId('a')?.status).toBe('running');
    expect(state.byId('a')?.progress).toBe(0.25);
    expect(state.live['a']?.step).toBe(5);
    const listsBefore = script.calls.filter(([m]) => m === 'runs.list').length;
    script.push({ type: 'run-status', runId: 'a', status: 'finished', error: null });
    script.push({ type: 'run-status', runId: 'a', status: 'finished', error: null });
    expect(state.byId('a')?.status).toBe('finished');
    await vi.advanceTimersByTimeAsync(400);
    expect(script.calls.filter(([m]) => m === 'runs.list').length).toBe(listsBefore + 1);
    stop();
    expect(script.listenerCount()).toBe(0);
  });

  it('keeps a queued run\'s data preparation (fraction, message, ETA) until its first step or its end', async () => {
    const script = scriptedClient({ 'runs.list': () => [summary('a', 'queued'), summary('b', 'queued')], 'runs.get': () => ({ config: {} }) });
    const state = new RunsState(script.client);
    const stop = state.start();
    await vi.advanceTimersByTimeAsync(0);
    script.push({ type: 'run-preparing', runId: 'a', fraction: 0.25, message: 'counting values in day_0.tsv', elapsedSeconds: 10, etaSeconds: 30 });
    script.push({ type: 'run-preparing', runId: 'a', fraction: 0.5, message: 'parsing day_0.tsv', elapsedSeconds: 20, etaSeconds: 20 });
    script.push({ type: 'run-preparing', runId: 'b', fraction: 0.1, message: 'counting values in day_1.tsv', elapsedSeconds: 2, etaSeconds: 18 });
    expect(state.preparing['a']).toEqual({ fraction: 0.5, message: 'parsing day_0.tsv', elapsedSeconds: 20, etaSeconds: 20 });
    // the first step ends a's preparation; a failure ends b's
    script.push({ type: 'run-progress', runId: 'a', step: 1, totalSteps: 20, epoch: 0, loss: 0.5, samplesSeen: 64, samplesPerSec: 100, etaSeconds: null });
    script.push({ type: 'run-status', runId: 'b', status: 'failed', error: 'day_1.tsv line 3, field C2: not hexadecimal' });
    expect(state.preparing).toEqual({});
    stop();
  });

  it('keeps the selection to runs that still exist', async () => {
    let runs = [summary('a', 'finished'), summary('b', 'finished')];
    const script = scriptedClient({ 'runs.list': () => runs, 'runs.get': () => ({ config: {} }) });
    const state = new RunsState(script.client);
    await state.refresh();
    state.toggleSelected('a');
    state.toggleSelected('b');
    state.toggleSelected('a');
    expect(state.selection).toEqual(['b']);
    state.toggleSelected('a', true);
    runs = [summary('a', 'finished')];
    await state.refresh();
    expect(state.selection).toEqual(['a']);
    expect(isActive('queued') && isActive('running') && !isActive('interrupted')).toBe(true);
  });
});

describe('NoticesState', () => {
  it('keeps the last five errors until dismissed, and lets successes fade', () => {
    const notices = new NoticesState();
    for (let i = 0; i < 7; i++) expect(notices.error('Deleting runs', new Error(`failure ${i}`))).toBe(`failure ${i}`);
    expect(notices.items.map((n) => n.message)).toEqual(['failure 2', 'failure 3', 'failure 4', 'failure 5', 'failure 6']);
    notices.dismiss(notices.items[0].id);
    expect(notices.items).toHaveLength(4);
    notices.success('Saved');
    expect(notices.items.at(-1)).toMatchObject({ kind: 'success', message: 'Saved' });
    vi.advanceTimersByTime(5000);
    expect(notices.items.some((n) => n.kind === 'success')).toBe(false);
    expect(notices.items).toHaveLength(4);
  });
});

describe('AppState', () => {
  it('loads app.info and the presets, and reports each failure apart', async () => {
    const ok = scriptedClient({ 'app.info': () => ({ defaultBackend: 'wasm' }), 'presets.list': () => [{ name: 'lr' }] });
    const app = new AppState(ok.client);
    await app.load();
    expect(app.bestBackend).toBe('wasm');
    expect(app.presets).toHaveLength(1);
    expect(app.presetsLoaded).toBe(true);
    const broken = scriptedClient({ 'app.info': () => ({ defaultBackend: 'cpu' }) });
    const partial = new AppState(broken.client);
    await partial.load();
    expect(partial.bestBackend).toBe('cpu');
    expect(partial.infoError).toBeNull();
    expect(partial.presetsError).toContain('presets.list');
    expect(partial.presetsLoaded).toBe(true);
  });
});
