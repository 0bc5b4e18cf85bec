/**
 * One on-demand request of a panel (compute a heatmap, rank items, ...): its result, whether it is
 * in flight, and its error. Only the latest request counts: an older one that answers after a newer
 * one started is dropped, so a slow answer never overwrites a fresh one.
 */
import { errorMessage } from './format';

export class LatestRequest<T> {
  result = $state.raw<T | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  private latest = 0;

  /**
   * Runs `work` as the latest request. `isCurrent()` tells long work (a loop of calls) whether a
   * newer request has replaced it, so it can stop early. Resolves to the kept result, or null when
   * the work failed (see `error`) or was superseded.
   */
  async run(work: (isCurrent: () => boolean) => Promise<T>): Promise<T | null> {
    const request = ++this.latest;
    const isCurrent = (): boolean => request === this.latest;
    this.loading = true;
    this.error = null;
    try {
      const value = await work(isCurrent);
      if (!isCurrent()) return null;
      this.result = value;
      return value;
    } catch (caught) {
      if (isCurrent()) this.error = errorMessage(caught);
      return null;
    } finally {
      if (isCurrent()) this.loading = false;
    }
  }

  /** Forgets the result and the error, and drops any request in flight. */
  reset(): void {
    this.latest += 1;
    this.result = null;
    this.error = null;
    this.loading = false;
  }
}
