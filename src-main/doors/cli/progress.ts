/**
 * Terminal progress: a redrawn bar with ETA on a TTY, plain lines (at most one every few seconds)
 * otherwise, so logs stay readable in CI and scripts.
 */
export interface ProgressLine {
  fraction: number;
  label: string;
  etaSeconds: number | null;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function renderBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return '[' + '#'.repeat(filled) + '-'.repeat(width - filled) + ']';
}

export class ProgressReporter {
  private lastPlain = 0;
  private drewBar = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly plainIntervalMs = 5000,
  ) {}

  update(line: ProgressLine): void {
    const pct = `${(Math.min(1, Math.max(0, line.fraction)) * 100).toFixed(1).padStart(5)}%`;
    const text = `${pct} ${line.label} ETA ${formatDuration(line.etaSeconds)}`;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - text.length - 4));
      this.stream.write(`\r${renderBar(line.fraction, width)} ${text}\x1b[K`);
      this.drewBar = true;
    } else {
      const now = Date.now();
      if (now - this.lastPlain >= this.plainIntervalMs || line.fraction >= 1) {
        this.lastPlain = now;
        this.stream.write(text + '\n');
      }
    }
  }

  /** A message that must not be overdrawn by the bar. */
  log(message: string): void {
    if (this.drewBar) this.stream.write('\r\x1b[K');
    this.stream.write(message + '\n');
  }

  done(): void {
    if (this.drewBar) this.stream.write('\n');
    this.drewBar = false;
  }
}
