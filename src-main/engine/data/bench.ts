/**
 * Preprocessing speed: generate a synthetic Criteo TSV, time parsing it into the binary cache
 * (MB/s of text), then time a second prepareDataset of the same file, which must come from the cache,
 * and one pass over the training batches read back from the cache.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDataset } from './prepare';
import { writeSyntheticTsv } from './synthetic';
import { temporaryDirectory } from './testing';

export interface PreprocessBenchResult {
  rows: number;
  fileBytes: number;
  generateSeconds: number;
  /** First prepare: parse + preprocess + write the cache (wall clock). */
  parseSeconds: number;
  /** CPU time of the first prepare (all threads of the process): robust on a shared machine. */
  parseCpuSeconds: number;
  megabytesPerSecond: number;
  rowsPerSecond: number;
  /** Second prepare of the same file and options. */
  secondPrepareSeconds: number;
  secondFromCache: boolean;
  /** One epoch of training batches (batch 2048) read from the cache. */
  epochFromCacheSeconds: number;
  cacheBytes: number;
}

export async function benchPreprocess(rows = 1_000_000, options: { keep?: boolean; log?: (line: string) => void } = {}): Promise<PreprocessBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const tmp = temporaryDirectory('dlrm-bench-');
  try {
    const path = join(tmp.dir, 'synthetic.tsv');
    let t = performance.now();
    await writeSyntheticTsv(path, rows, 7);
    const generateSeconds = (performance.now() - t) / 1000;
    const fileBytes = statSync(path).size;
    log(`generated ${rows} rows (${(fileBytes / 1e6).toFixed(1)} MB) in ${generateSeconds.toFixed(1)} s`);
    const cacheDir = join(tmp.dir, 'cache');
    const spec = { kind: 'file', path, split: 'days7' } as const;
    const prepareOptions = { cacheDir, hashSize: 100_000 };
    t = performance.now();
    const cpuBefore = process.cpuUsage();
    const first = await prepareDataset(spec, prepareOptions);
    const parseSeconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const parseCpuSeconds = (cpu.user + cpu.system) / 1e6;
    log(`parsed into the cache in ${parseSeconds.toFixed(2)} s: ${(fileBytes / 1e6 / parseSeconds).toFixed(1)} MB/s, ${Math.round(rows / parseSeconds)} rows/s (fromCache=${first.fromCache}; CPU ${parseCpuSeconds.toFixed(2)} s: ${(fileBytes / 1e6 / parseCpuSeconds).toFixed(1)} MB/s of CPU time)`);
    t = performance.now();
    const second = await prepareDataset(spec, prepareOptions);
    const secondPrepareSeconds = (performance.now() - t) / 1000;
    log(`second prepare in ${secondPrepareSeconds.toFixed(3)} s (fromCache=${second.fromCache})`);
    t = performance.now();
    let seen = 0;
    for (const batch of second.train.batches(1, 2048, 1)) seen += batch.size;
    const epochFromCacheSeconds = (performance.now() - t) / 1000;
    log(`one epoch of ${seen} training rows from the cache in ${epochFromCacheSeconds.toFixed(2)} s`);
    const cacheBytes = rows * (1 + 13 * 4 + 26 * 4);
    return {
      rows,
      fileBytes,
      generateSeconds,
      parseSeconds,
      parseCpuSeconds,
      megabytesPerSecond: fileBytes / 1e6 / parseSeconds,
      rowsPerSecond: rows / parseSeconds,
      secondPrepareSeconds,
      secondFromCache: second.fromCache,
      epochFromCacheSeconds,
      cacheBytes,
    };
  } finally {
    if (!options.keep) tmp.remove();
  }
}
