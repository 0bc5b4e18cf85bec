/** Display formatting of numbers, sizes, durations and dates. Every function accepts missing values. */

const EM_DASH = '—';

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A metric such as AUC or log loss: fixed decimals (4 by default). */
export function formatMetric(value: number | null | undefined, digits = 4): string {
  return isNumber(value) ? value.toFixed(digits) : EM_DASH;
}

/** A signed difference, e.g. "+0.0123". */
export function formatDelta(value: number | null | undefined, digits = 4): string {
  if (!isNumber(value)) return EM_DASH;
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return `±${text}`;
  return value > 0 ? `+${text}` : `−${text}`;
}

/** An integer with thousands separators. */
export function formatInteger(value: number | null | undefined): string {
  return isNumber(value) ? Math.round(value).toLocaleString('en-US') : EM_DASH;
}

/** A compact number for axes and rates: 1.2k, 3.4M, 0.0012. */
export function formatCompact(value: number | null | undefined): string {
  if (!isNumber(value)) return EM_DASH;
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${trimZeros((value / 1e9).toFixed(2))}G`;
  if (magnitude >= 1e6) return `${trimZeros((value / 1e6).toFixed(2))}M`;
  if (magnitude >= 1e4) return `${trimZeros((value / 1e3).toFixed(1))}k`;
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 1 || magnitude === 0) return trimZeros(value.toFixed(2));
  return trimZeros(value.toPrecision(3));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Bytes as B, KiB, MiB, GiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isNumber(bytes)) return EM_DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A duration in seconds as "1h 02m", "3m 05s" or "12s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNumber(seconds) || seconds < 0) return EM_DASH;
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/** An ISO timestamp as local "YYYY-MM-DD HH:MM". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return EM_DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO timestamp as a short local "27 Nov 07:05" (the year only when it is not this year). */
export function formatShortDate(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return EM_DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const year = date.getFullYear() === now.getFullYear() ? '' : ` ${date.getFullYear()}`;
  return `${date.getDate()} ${MONTHS[date.getMonth()]}${year} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A share 0..1 as a percentage. */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  return isNumber(share) ? `${(share * 100).toFixed(digits)}%` : EM_DASH;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'Unknown error';
}
