/**
 * The CLI's side of issue #15: the compression options of `train` (and `plan`) and the memory plan
 * as text (a bar of where the bytes go, the tables' share, each limit).
 */
import { formatBytes, type HashCollisionPlan, type MemoryPlan, type ModelSpec } from '../../domain';
import { UsageError, type OptionKind, type ParsedArgs } from './args';

export const COMPRESSION_OPTIONS: Record<string, OptionKind> = {
  compression: 'string',
  'qr-rows': 'number',
  'qr-combine': 'string',
  'hot-share': 'number',
  'cold-dim': 'number',
  precision: 'string',
};

export const COMPRESSION_USAGE = `             --compression none|qr|mixed-dim  --qr-rows M (remainder rows; quotient rows = ceil(hashSize / M))
             --qr-combine product|sum  --hot-share X (mixed-dim: share of rows kept at D)  --cold-dim C (the others' width)
             --precision fp32|fp16|bf16 (table storage; arithmetic stays float32)`;

/**
 * Sets model.compression / model.tablePrecision from --compression, --qr-rows, --qr-combine,
 * --hot-share, --cold-dim and --precision (the service validates the values).
 */
export function applyCompressionArgs(model: ModelSpec, args: ParsedArgs): void {
  const kind = args.options['compression'];
  const number = (name: string): number | undefined => (typeof args.options[name] === 'number' ? (args.options[name] as number) : undefined);
  if (kind === 'qr') {
    model.compression = { kind: 'qr', remainderRows: number('qr-rows') ?? Math.ceil(Math.sqrt(model.hashSize)), combine: (args.options['qr-combine'] as 'product' | 'sum' | undefined) ?? 'product' };
  } else if (kind === 'mixed-dim') {
    model.compression = { kind: 'mixed-dim', hotShare: number('hot-share') ?? 0.1, coldDim: number('cold-dim') ?? Math.max(1, Math.floor(model.embeddingDim / 4)) };
  } else if (kind !== undefined && kind !== 'none') {
    throw new UsageError(`--compression takes none, qr or mixed-dim, not "${String(kind)}"`);
  }
  const precision = args.options['precision'];
  if (precision !== undefined) model.tablePrecision = precision as NonNullable<ModelSpec['tablePrecision']>;
}

/** The plan as lines: the parts with their bytes and a 40-character bar each, the share, the limits. */
export function planLines(plan: MemoryPlan): string[] {
  const parts: [string, number][] = [
    ['tables', plan.tableBytes],
    ['table optimizer state', plan.tableOptimizerBytes],
    ['table gradient scratch', plan.tableScratchBytes],
    ['MLPs', plan.denseBytes],
    ['MLP optimizer state', plan.denseOptimizerBytes],
    [`activations (batch ${plan.batchSize})`, plan.activationBytes],
    ['rows in memory', plan.datasetMemoryBytes ?? 0],
  ];
  const width = 40;
  const lines = parts.map(([name, bytes]) => {
    const share = plan.totalBytes > 0 ? bytes / plan.totalBytes : 0;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
    return `  ${name.padEnd(26)} ${formatBytes(bytes).padStart(10)}  ${bar} ${(share * 100).toFixed(1).padStart(5)}%`;
  });
  lines.unshift(`memory plan: ${formatBytes(plan.totalBytes)} in memory, the tables ${(plan.tableShare * 100).toFixed(1)}% of it`);
  if (plan.cacheDiskBytes !== null) lines.push(`  cache on disk: ${formatBytes(plan.cacheDiskBytes)}`);
  for (const limit of plan.limits) lines.push(`  ${limit.fits ? 'fits' : 'DOES NOT FIT'}: ${formatBytes(limit.neededBytes)} against ${limit.label}, ${formatBytes(limit.limitBytes)}`);
  if (plan.hashCollisions) lines.push(...collisionLines(plan.hashCollisions));
  return lines;
}

/** Hashing's expected collisions: the overall share, then one line per table with distinct values. */
export function collisionLines(collisions: HashCollisionPlan): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const from =
    collisions.distinctSource === 'prepared'
      ? 'the distinct values counted when the data was prepared'
      : collisions.distinctSource === 'prepared-estimate'
        ? 'the distinct values counted when the data was prepared, the largest features estimated within ~1%'
        : collisions.distinctSource === 'criteo-kaggle'
          ? "the Criteo Kaggle train set's distinct values"
          : 'the distinct values';
  const lines = [`hashing collisions (expected, from ${from}): ${percent(collisions.collidingShare)} of all values share a row with another`];
  for (const t of collisions.tables) {
    if (t.distinct === 0) continue;
    lines.push(`  C${t.feature + 1}: ${t.distinct} distinct values in ${t.rows} rows, ${Math.round(t.occupiedRows)} rows used, ${percent(t.collidingShare)} share a row`);
  }
  return lines;
}

/**
 * --distinct: the features' distinct values for the plan's collision estimate, "kaggle" (the Criteo
 * Kaggle counts) or 26 comma-separated counts.
 */
export function distinctArg(value: string | undefined): number[] | 'criteo-kaggle' | undefined {
  if (value === undefined) return undefined;
  if (value === 'kaggle') return 'criteo-kaggle';
  const counts = value.split(',').map((v) => Number(v.trim()));
  if (counts.length !== 26 || counts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--distinct takes "kaggle" or 26 comma-separated non-negative integers (C1..C26), got "${value}"`);
  }
  return counts;
}
