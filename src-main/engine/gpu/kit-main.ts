/**
 * Command-line entry of the GPU benchmark, bundled into the device kit (scripts/gpu/make-kit.sh) and
 * usable from a checkout once bundled. Runs runGpuBench and writes its result as JSON.
 *
 *   node gpu-bench.mjs [--presets criteo-kaggle,terabyte] [--batches 2048,16384] [--seconds 10]
 *                      [--rows 100000] [--cpu wasm|cpu|none] [--min-steps 3] [--warmup 2]
 *                      [--no-device-tables] [--no-tfjs] [--no-step] [--criteo-full] [--json out.json]
 *                      [--blocking auto|gpu|cpu-adapter] [--tables f32|fp16|bf16]
 *
 * --no-step leaves out the WebGPU step written without tfjs (gpu/dlrm-step), --no-tfjs the
 * TensorFlow.js WebGPU path with host tables, --no-device-tables its device-tables experiment.
 * --blocking forces the step's dense-kernel blocks (default: by adapter; see dense-layers.ts).
 * --tables stores the step's tables in 16 bits (fp16 / bf16: half the table bytes; default f32).
 * --criteo-full: the step alone on Criteo Kaggle's real 26 table sizes (33.8M rows, 2.2 GB at d 16).
 *
 * Environment: DLRM_DAWN_NODE (path of dawn.node when there is no node_modules/webgpu),
 * DLRM_WASM_DIR (folder of the tfjs wasm binaries).
 */
import * as fs from 'node:fs';
import { runGpuBench, type GpuBenchOptions } from '../train/bench-gpu';
import { CPU_ADAPTER_BLOCKING, GPU_BLOCKING } from './dlrm-step/dense-layers';
import { CRITEO_KAGGLE_TABLE_SIZES } from './dlrm-step/init';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function numbers(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: "${s}"`);
    return n;
  });
}

export async function main(args: string[]): Promise<number> {
  const cpu = argValue(args, '--cpu') ?? 'wasm';
  if (cpu !== 'wasm' && cpu !== 'cpu' && cpu !== 'none') throw new Error(`--cpu must be wasm, cpu or none, got "${cpu}"`);
  const options: GpuBenchOptions = {
    presets: (argValue(args, '--presets') ?? 'criteo-kaggle,terabyte').split(',').map((s) => s.trim()),
    batchSizes: numbers(argValue(args, '--batches') ?? '2048,16384'),
    seconds: Number(argValue(args, '--seconds') ?? '10'),
    rowsPerTable: Number(argValue(args, '--rows') ?? '100000'),
    cpuBackend: cpu === 'none' ? false : cpu,
    minSteps: Number(argValue(args, '--min-steps') ?? '3'),
    warmupSteps: Number(argValue(args, '--warmup') ?? '2'),
    deviceTables: !args.includes('--no-device-tables'),
    tfjs: !args.includes('--no-tfjs'),
    step: !args.includes('--no-step'),
    log: (line) => console.log(line),
  };
  const blocking = argValue(args, '--blocking');
  if (blocking === 'gpu') options.blocking = GPU_BLOCKING;
  else if (blocking === 'cpu-adapter') options.blocking = CPU_ADAPTER_BLOCKING;
  else if (blocking !== undefined && blocking !== 'auto') throw new Error(`--blocking must be auto, gpu or cpu-adapter, got "${blocking}"`);
  const tables = argValue(args, '--tables');
  if (tables === 'fp16' || tables === 'bf16') options.tableStorage = tables;
  else if (tables !== undefined && tables !== 'f32') throw new Error(`--tables must be f32, fp16 or bf16, got "${tables}"`);
  if (args.includes('--criteo-full')) {
    Object.assign(options, { stepTableSizes: CRITEO_KAGGLE_TABLE_SIZES, tfjs: false, deviceTables: false, cpuBackend: false });
  }
  const jsonPath = argValue(args, '--json');
  const started = new Date().toISOString();
  try {
    const result = await runGpuBench(options);
    if (jsonPath) fs.writeFileSync(jsonPath, JSON.stringify({ started, options: { ...options, log: undefined }, result }, null, 2));
    const complete = result.rows.every((r) => (options.step === false || r.step !== null) && (options.tfjs === false || r.gpu !== null));
    return complete ? 0 : 1;
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    console.error(`gpu bench failed: ${error}`);
    if (jsonPath) fs.writeFileSync(jsonPath, JSON.stringify({ started, options: { ...options, log: undefined }, error }, null, 2));
    return 2;
  }
}

// run when executed directly (the bundle), not when imported by a test
const entry = process.argv[1] ?? '';
if (/gpu-bench(\.m?js)?$/.test(entry) || /kit-main\.[mc]?[jt]s$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.stack : String(e));
      process.exit(2);
    },
  );
}
