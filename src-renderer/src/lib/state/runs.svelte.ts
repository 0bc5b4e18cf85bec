/**
 * The list of runs, kept fresh: refetched on run-status / run-eval events and polled while something
 * runs; live progress of running runs from run-progress events (and of their data preparation
 * before the first step, from run-preparing events); configurations fetched once per run
 * (for filtering by a configuration value).
 */
import type { RunPreparation, RunProgress, RunSummary, StartRunInput, StudioClient, StudioEvent } from '../../../../src-main/service/contract';
import { errorMessage } from '../format';

/** Latest run-progress report of a run. */
export type LiveProgress = RunProgress;

const ACTIVE: ReadonlySet<RunSummary['status']> = new Set(['queued', 'running']);
const POLL_MS = 3000;

export function isActive(status: RunSummary['status']): boolean {
  return ACTIVE.has(status);
}

export class RunsState {
  runs = $state<RunSummary[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  live = $state<Record<string, LiveProgress>>({});
  /** Latest data-preparation report of a run that has not taken its first step yet. */
  preparing = $state<Record<string, RunPreparation>>({});
  configs = $state<Record<string, StartRunInput>>({});
  /** Ids of the runs ticked in the runs table (kept across pages, used by Compare). */
  selection = $state<string[]>([]);
  anyActive = $derived(this.runs.some((run) => isActive(run.status)));

  private readonly client: StudioClient;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private configRequests = new Set<string>();

  constructor(client: StudioClient) {
    this.client = client;
  }

  /** Subscribes to events and polls while runs are active; returns the stop function. */
  start(): () => void {
    const unsubscribe = this.client.onEvent((event) => this.onEvent(event));
    const poll = setInterval(() => {
      if (this.anyActive && !this.loading) void this.refresh();
    }, POLL_MS);
    void this.refresh();
    return () => {
      unsubscribe();
      clearInterval(poll);
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
    };
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.runs = await this.client.call('runs.list', { limit: 1000 });
      this.error = null;
      this.loaded = true;
      for (const run of this.runs) {
        if (!isActive(run.status) && this.live[run.id]) delete this.live[run.id];
        if (!isActive(run.status) && this.preparing[run.id]) delete this.preparing[run.id];
      }
      const known = new Set(this.runs.map((run) => run.id));
      if (this.selection.some((id) => !known.has(id))) this.selection = this.selection.filter((id) => known.has(id));
      void this.loadConfigs();
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  /** Refetches soon, coalescing bursts of events into one call. */
  refreshSoon(delayMs = 300): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, delayMs);
  }

  isSelected(id: string): boolean {
    return this.selection.includes(id);
  }

  toggleSelected(id: string, selected = !this.isSelected(id)): void {
    if (selected && !this.isSelected(id)) this.selection.push(id);
    if (!selected) this.selection = this.selection.filter((entry) => entry !== id);
  }

  byId(id: string): RunSummary | undefined {
    return this.runs.find((run) => run.id === id);
  }

  /** All tags in use, sorted. */
  get allTags(): string[] {
    return [...new Set(this.runs.flatMap((run) => run.tags))].sort();
  }

  private onEvent(event: StudioEvent): void {
    switch (event.type) {
      case 'run-preparing': {
        const { type: _event, runId, ...preparation } = event;
        this.preparing[runId] = preparation;
        break;
      }
      case 'run-progress': {
        const { type: _event, runId, ...progress } = event;
        this.live[runId] = progress;
        delete this.preparing[runId];
        const run = this.byId(event.runId);
        if (run) {
          if (event.totalSteps > 0) run.progress = Math.min(1, event.step / event.totalSteps);
          if (run.status === 'queued') run.status = 'running';
        } else {
          this.refreshSoon();
        }
        break;
      }
      case 'run-status': {
        const run = this.byId(event.runId);
        if (run) run.status = event.status;
        // 'running' is sent once the data is ready (the first step follows); any other status ends it too
        delete this.preparing[event.runId];
        this.refreshSoon();
        break;
      }
      case 'run-eval':
        this.refreshSoon(1000);
        break;
      default:
        break;
    }
  }

  /** Fetches the configuration of runs not seen yet, three at a time. */
  private async loadConfigs(): Promise<void> {
    const missing = this.runs.map((run) => run.id).filter((id) => !this.configs[id] && !this.configRequests.has(id));
    for (const id of missing) this.configRequests.add(id);
    const worker = async () => {
      while (missing.length > 0) {
        const id = missing.shift();
        if (!id) break;
        try {
          const detail = await this.client.call('runs.get', { id });
          this.configs[id] = detail.config;
        } catch {
          // A run deleted meanwhile, or an old run without a config: it just cannot be filtered by config.
        } finally {
          this.configRequests.delete(id);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }
}
