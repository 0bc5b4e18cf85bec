import { describe, expect, it } from 'vitest';
import { formatBytes, formatCompact, formatDelta, formatDuration, formatMetric, formatShortDate } from './format';

describe('format', () => {
  it('shows missing values as a dash', () => {
    expect(formatMetric(null)).toBe('—');
    expect(formatMetric(undefined)).toBe('—');
    expect(formatMetric(Number.NaN)).toBe('—');
    expect(formatMetric(0.78912345)).toBe('0.7891');
  });

  it('signs deltas with a real minus', () => {
    expect(formatDelta(0.0123)).toBe('+0.0123');
    expect(formatDelta(-0.0123)).toBe('−0.0123');
    expect(formatDelta(0.00001)).toBe('±0.0000');
  });

  it('formats sizes, durations and rates', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(320 * 1024 * 1024)).toBe('320 MiB');
    expect(formatDuration(7)).toBe('7s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m');
    expect(formatCompact(12345)).toBe('12.3k');
    expect(formatCompact(9579.4)).toBe('9579');
    expect(formatCompact(0.000123)).toBe('0.000123');
  });

  it('writes short dates with the year only when it differs', () => {
    const now = new Date(2026, 10, 27, 12, 0);
    expect(formatShortDate(new Date(2026, 10, 27, 7, 5).toISOString(), now)).toBe('27 Nov 07:05');
    expect(formatShortDate(new Date(2025, 0, 3, 23, 59).toISOString(), now)).toBe('3 Jan 2025 23:59');
  });
});
