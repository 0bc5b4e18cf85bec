/**
 * Over 400 lines: the usage text and one dispatch case per command; each case is a few lines over the service.
 * The command line door (`npm run cli -- <command>` or `node out/main/cli.js <command>`).
 * It parses arguments into service inputs, shows progress, and prints a final JSON summary. All
 * behaviour lives in the service; the CLI uses the same database as the app, so its runs show up there.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { createStudioService, type StudioService } from '../../service/create';
import type {
  CollaborativeCtrKind,
  DatasetSpec,
  EarlyStoppingSpec,
  MethodInput,
  MethodName,
  MethodResult,
  PolicySpec,
  RunDetail,
  RunStatus,
  StartRunInput,
  StudioEvent,
} from '../../service/contract';
import { parseArgs, UsageError, type OptionKind, type ParsedArgs } from './args';
import { OptionReader } from './options';
import { ProgressReporter } from './progress';
import { applyCompressionArgs, COMPRESSION_OPTIONS, COMPRESSION_USAGE, distinctArg, planLines } from './memory';

/** Names `compare --models` takes for collaborative filtering on a field pair (runs.compareCollaborative). */
const COLLABORATIVE_NAMES: readonly CollaborativeCtrKind[] = ['user-knn', 'item-knn', 'als', 'als-implicit'];

const here = dirname(fileURLToPath(import.meta.url));

const USAGE = `DLRM Studio command line

usage: node out/main/cli.js <command> [options]       (or: npm run cli -- <command> [options])

commands:
  train      train a model and track the run
             --data synthetic|FILE  --rows N (synthetic, default 100000)  --data-seed N
             --test FILE --valid FILE (separate files)  --split days7|random
             --model dlrm|dcn|fm|lr|mf  --preset criteo-kaggle|course|terabyte|...
             --dim D  --bottom 13-512-256-64-16  --top 512-256-1  --interaction dot|dot-self|cat
             --hash-size N  --cross-layers N  --categories hash|vocab  --min-count N (vocab: rarer values share row 0)
             --pooling sum|mean|max (DLRM bags)  --sparse-mlp D-32-D (DLRM: an MLP over each table's pooled vector)
             --optimizer sgd|adagrad|adam  --sparse-optimizer sgd|rowwise-adagrad  --lr X  --sparse-lr X (tables)  --weight-decay X (L2)
             --warmup N  --decay none|linear|cosine|step
             --batch N  --epochs N  --eval-every N  --checkpoint-every N  --seed N  --threads 1|2
             --shuffle-window W (prepared files: stored day order, rows shuffled within windows of W rows)
             --hybrid N (DLRM: tables sharded over N threads, MLPs replicated; per-phase times recorded)
             --hybrid-budget-mb M (bytes a hybrid worker may hold: a table that fits no worker whole is split by rows)
             --backend tensorflow-gpu|tensorflow|webgpu|wasm|cpu  --max-bad-share X
             --early-stop logloss|auc  --patience N (evaluations)  --min-delta X  --no-early-stop
               (on by default for more than one epoch: log loss, patience 3; the best evaluation's model is kept)
             --name NAME  --tags a,b
${COMPRESSION_USAGE}
             (the memory plan is printed first; a run that cannot fit is refused with the numbers)
  plan       the train options: where the run's bytes would go (tables, optimizer state, MLPs, activations,
             cache) against this machine's memory, without training (--backend webgpu: the GPU's limits too)
             --distinct kaggle|N,N,... (C1..C26 distinct values): hashing's expected collisions per table;
             without it, a --data file prepared before (any hash size) gives its counted distinct values
  resume     --run ID            resume an interrupted or cancelled run from its last checkpoint
             (Ctrl+C or SIGTERM during train/resume stops the process: the run is checkpointed and
             stored as interrupted; runs.cancel from the app marks a run cancelled)
  eval       --run ID [--data FILE]           evaluate a trained run (on its test split or a file)
  predict    --run ID --data FILE --out FILE [--overwrite]  write click probabilities, one per line
  generate   --out FILE [--rows N] [--seed N] [--overwrite]  write a synthetic Criteo TSV with a planted ground truth
             (an existing --out file is replaced only with --overwrite)
  bench      [--batches 128,2048] [--seconds S] [--rounds N] [--presets criteo-kaggle] [--backend B] [--threads 1|2] [--no-torch]
             DLRM training samples/s and peak memory; with python3-torch, the ratio to the PyTorch reference (median of N alternating rounds, default 3)
  bench --gpu [--batches 2048,16384] [--seconds S] [--presets criteo-kaggle,terabyte] [--rows R] [--min-steps N]
             the WebGPU step, tfjs WebGPU and the CPU path (R rows per table, default 100000)
  bench preprocess [--rows N] | bench simulation | bench projections | bench parity [--rows N --epochs N --seeds 1,2]
             parsing speed into the cache; 1,000 users x 2,000 items x 100 rounds; PCA/t-SNE/UMAP times;
             test AUC against torch_dlrm.py train on the same synthetic files
  bench kaggle-scale [--rows 45840617] [--steps 100] [--batches 2048]   generate rows with the Criteo Kaggle cardinalities, prepare
             them into the cache (MB/s, peak RSS; limit 1 GiB), train DLRM d 16 with row-wise Adagrad on full-size tables
             (samples/s, peak RSS; limit model bytes + 1 GiB), then delete the file and cache
  bench compression [--rows N] [--epochs N] [--seeds S]   test AUC against table bytes on planted synthetic rows (default
             250,000): full tables, frequency pruning, hashing at two sizes, QR and mixed-dim at <= 1/4 of the bytes, fp16, bf16
  bench hybrid [--batches 128,2048] [--seconds S] [--rounds N] [--rows N]   DLRM criteo-kaggle samples/s: one thread, the
             shared-table mode on 2 threads, hybrid on 1 and 2 workers (alternating rounds), with hybrid's per-phase ms per step
  bench recommenders [--seeds 42]   CF (user-user, item-item, ALS), MF by SGD and DLRM on the simulator's log:
             held-out NDCG/precision/recall@10, then each as a closed-loop policy (click rate, diversity)
  compare    --models dlrm,dcn,fm,lr  plus train options: trains each on the same data and budget
             --models may also name user-knn, item-knn, als, als-implicit: collaborative filtering on the
             --cf-fields user,item pair of categorical fields (default C1,C2), scored on the same test rows
  sweep      --spec FILE.json plus train options (the base run, unless the file has "base"): a search over run
             settings, its trials tracked as runs of one group. The file: {"strategy": "grid"|"random"|"halving",
             "trials": N, "seed": N, "metric": "logLoss"|"auc", "eta": 3, "rungs": 3, "parameters": [{"setting":
             "learningRate", "range": {"min": 0.001, "max": 0.1, "scale": "log"}}, {"setting": "embeddingDim",
             "values": [8, 16]}]}; settings: learningRate sparseLearningRate weightDecay denseOptimizer sparseOptimizer
             batchSize embeddingDim hashSize minCount bottomMlp topMlp interaction modelKind
  sweep      resume --sweep ID | list | show ID
  simulate   [--users N] [--items N] [--topics N] [--rounds N] [--slate N] [--retrain-every N]
             [--drift X] [--extreme-drift X] [--churn-after N] [--seed N]
             [--policies random,popularity,oracle,greedy-mf,epsilon-greedy:0.1,mmr:0.5,calibrated,user-knn,item-knn,als,linucb,long-term]
             prints the last round and each policy's means over the last quarter of the rounds
  antidote   [--seed N] [--budgets 0.01,0.02,0.05,0.1] [--objective polarization|unfairness]
             antidote data (Rastegarpanah et al. 2019) on a 200-user simulated log: polarisation and each group's error
             of an ALS recommender before and after, per budget (antidote users as a share of the users)
  mf-tie     [--seed N] [--factors D] [--run ID --fields C1,C2]
             ALS against a two-field DLRM (kind mf) on one simulated log (or two categorical fields of a run's
             data, trained on its training split): correlation of their score matrices, held-out NDCG@10 of each
  export-job --run ID --out DIR [--ranks N] [--plan 0,0,1,...] [--budget-mb MB]   (or train options instead of --run)
             write a torch.distributed job folder: the hybrid-parallel training script, job.json, the prepared
             data, the run's initial weights; --plan puts table f on rank plan[f] (default: the planner's)
  follow-job --dir DIR [--name NAME | --run ID]   track a job (its folder or a copy of its output/) as a run until it
             ends, then import its weights as the run's model; Ctrl+C stops following (the job keeps training) and
             leaves the run interrupted; --run ID follows the job again into that run
  runs       list [--status S] [--tag T] [--text Q] | show ID | export ID... --out FILE | csv ID... --out FILE
             | import FILE | delete ID... | rename ID NAME   (export/csv: --overwrite to replace an existing --out file)
common: --data-dir DIR (default: the app's data folder)  --json (print only the final JSON)`;

const TRAIN_OPTIONS: Record<string, OptionKind> = {
  data: 'string', rows: 'number', 'data-seed': 'number', test: 'string', valid: 'string', split: 'string',
  model: 'string', preset: 'string', dim: 'number', bottom: 'string', top: 'string', interaction: 'string',
  'hash-size': 'number', 'cross-layers': 'number', pooling: 'string', 'sparse-mlp': 'string', categories: 'string', 'min-count': 'number', optimizer: 'string', 'sparse-optimizer': 'string', lr: 'number', 'sparse-lr': 'number', 'weight-decay': 'number',
  warmup: 'number', decay: 'string', batch: 'number', epochs: 'number', 'eval-every': 'number',
  'checkpoint-every': 'number', 'shuffle-window': 'number', seed: 'number', backend: 'string', 'max-bad-share': 'number', name: 'string', tags: 'list',
  threads: 'number', hybrid: 'number', 'hybrid-budget-mb': 'number', 'early-stop': 'string', patience: 'number', 'min-delta': 'number', 'no-early-stop': 'boolean',
  ...COMPRESSION_OPTIONS,
};
const COMMON: Record<string, OptionKind> = { 'data-dir': 'string', json: 'boolean', help: 'boolean' };

class Cli {
  private readonly progress = new ProgressReporter(process.stderr);
  constructor(
    private readonly service: StudioService,
    private readonly json: boolean,
  ) {}

  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>> {
    return this.service.call(method, input) as Promise<MethodResult<M>>;
  }

  get quiet(): boolean {
    return this.json;
  }

  info(message: string): void {
    if (!this.json) this.progress.log(message);
  }

  print(value: unknown): void {
    this.progress.done();
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** Shows every run's progress on the progress line (a sweep's trials); returns the unsubscribe function. */
  onRunProgress(): () => void {
    return this.service.onEvent((event: StudioEvent) => {
      if (event.type !== 'run-progress' || this.json) return;
      this.progress.update({
        fraction: event.totalSteps > 0 ? event.step / event.totalSteps : 0,
        label: `run ${event.runId.slice(0, 8)} step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)}`,
        etaSeconds: event.etaSeconds,
      });
    });
  }

  /**
   * Follows a run's events until it ends; returns its final detail.
   * @param jobDir set when the run follows a torch.distributed job there: a stop signal then stops following, not the job.
   */
  async followRun(id: string, jobDir?: string): Promise<RunDetail> {
    const ended = new Set<RunStatus>(['finished', 'failed', 'cancelled', 'interrupted']);
    let resolveEnd!: () => void;
    const endPromise = new Promise<void>((r) => (resolveEnd = r));
    const stop = this.service.onEvent((event: StudioEvent) => {
      if (!('runId' in event) || event.runId !== id) return;
      if (event.type === 'run-progress' && !this.json) {
        this.progress.update({
          fraction: event.totalSteps > 0 ? event.step / event.totalSteps : 0,
          label: `step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)} ${Math.round(event.samplesPerSec)} samples/s`,
          etaSeconds: event.etaSeconds,
        });
      } else if (event.type === 'run-preparing' && !this.json) {
        this.progress.update({ fraction: event.fraction, label: `preparing data: ${event.message}`, etaSeconds: event.etaSeconds });
      } else if (event.type === 'run-eval') {
        const m = event.metrics;
        this.info(`eval @ step ${event.step}: auc ${fmt(m.auc)} logloss ${fmt(m.logLoss)} accuracy ${fmt(m.accuracy)}`);
      } else if (event.type === 'run-status' && ended.has(event.status)) {
        resolveEnd();
      }
    });
    // Ctrl+C or SIGTERM stops the command, not the run: the run is checkpointed and stored as
    // interrupted (as after a crash), and resumes with `resume --run ID`.
    const onSignal = (signal: NodeJS.Signals): void => {
      if (jobDir !== undefined) {
        this.info(`${signal}: stopped following; the job keeps training; run ${id} is marked interrupted (follow it again: node out/main/cli.js follow-job --dir ${jobDir} --run ${id})`);
      } else {
        this.info(`${signal}: stopping; run ${id} is checkpointed and marked interrupted (resume it with: node out/main/cli.js resume --run ${id})`);
      }
      void this.service.interruptRuns();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The run may already have ended before we subscribed.
    const current = await this.call('runs.get', { id });
    if (ended.has(current.status)) resolveEnd();
    await endPromise;
    stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    return this.call('runs.get', { id });
  }
}

function fmt(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(4);
}

async function buildStartInput(cli: Cli, args: ParsedArgs): Promise<StartRunInput> {
  const options = new OptionReader(args, 'train');
  const presets = await cli.call('presets.list', {});
  const modelKind = options.string('model') ?? 'dlrm';
  const presetName = options.string('preset') ?? (modelKind === 'dlrm' ? 'criteo-kaggle' : modelKind);
  const preset = presets.find((p) => p.name === presetName);
  if (!preset) throw new UsageError(`unknown preset "${presetName}"; known: ${presets.map((p) => p.name).join(', ')}`);
  const model = { ...preset.model };
  if (options.string('model')) model.kind = modelKind as typeof model.kind;
  options.withNumber('dim', (value) => (model.embeddingDim = value));
  options.withString('bottom', (value) => (model.bottomMlp = value));
  options.withString('top', (value) => (model.topMlp = value));
  options.withString('interaction', (value) => (model.interaction = value as typeof model.interaction));
  options.withNumber('hash-size', (value) => (model.hashSize = value));
  options.withNumber('cross-layers', (value) => (model.crossLayers = value));
  applyCompressionArgs(model, args);
  options.withString('pooling', (value) => (model.pooling = value as NonNullable<typeof model.pooling>));
  options.withString('sparse-mlp', (value) => (model.sparseMlp = value));

  const data = options.string('data') ?? 'synthetic';
  const testFile = options.string('test');
  const validFile = options.string('valid');
  let dataset: DatasetSpec;
  if (data === 'synthetic') dataset = { kind: 'synthetic', rows: options.number('rows') ?? 100_000, seed: options.number('data-seed') ?? 1 };
  else if (testFile) dataset = { kind: 'files', train: data, test: testFile, ...(validFile ? { valid: validFile } : {}) };
  else dataset = { kind: 'file', path: data, split: (options.string('split') ?? 'days7') as 'days7' | 'random' };
  const categories = options.string('categories');
  const minCount = options.number('min-count');
  if (categories !== undefined || minCount !== undefined) {
    dataset.categories = { encoding: (categories ?? 'vocab') as 'hash' | 'vocab', ...(minCount !== undefined ? { minCount } : {}) };
  }

  const input: StartRunInput = {
    model,
    optimizer: {
      dense: (options.string('optimizer') ?? 'sgd') as StartRunInput['optimizer']['dense'],
      sparse: (options.string('sparse-optimizer') ?? 'sgd') as StartRunInput['optimizer']['sparse'],
      learningRate: options.number('lr') ?? 0.1,
      warmupSteps: options.number('warmup') ?? 0,
      decay: (options.string('decay') ?? 'none') as StartRunInput['optimizer']['decay'],
    },
    dataset,
    train: {
      batchSize: options.number('batch') ?? 128,
      epochs: options.number('epochs') ?? 1,
      evalEvery: options.number('eval-every') ?? 0,
      seed: options.number('seed') ?? 1,
      maxBadRowShare: options.number('max-bad-share') ?? 0.01,
      checkpointEvery: options.number('checkpoint-every') ?? 0,
    },
  };
  const backend = options.string('backend');
  if (backend) input.train.backend = backend as NonNullable<StartRunInput['train']['backend']>;
  options.withNumber('threads', (value) => (input.train.threads = value as 1 | 2));
  options.withNumber('hybrid', (value) => (input.train.hybridWorkers = value));
  options.withNumber('shuffle-window', (value) => (input.train.shuffleWindow = value));
  options.withNumber('hybrid-budget-mb', (value) => (input.train.hybridMemoryBudgetBytes = Math.round(value * 1024 * 1024)));
  options.withNumber('sparse-lr', (value) => (input.optimizer.sparseLearningRate = value));
  options.withNumber('weight-decay', (value) => (input.optimizer.weightDecay = value));
  const earlyStopping = earlyStoppingFromArgs(options, input.train.epochs);
  if (earlyStopping) input.train.earlyStopping = earlyStopping;
  const name = options.string('name');
  if (name) input.name = name;
  const tags = options.list('tags');
  if (tags) input.tags = tags;
  return input;
}

/**
 * --early-stop logloss|auc, --patience, --min-delta, --no-early-stop. Without any of them, runs of
 * more than one epoch stop early on the validation log loss with patience 3.
 */
function earlyStoppingFromArgs(options: OptionReader, epochs: number): EarlyStoppingSpec | undefined {
  const metricArg = options.string('early-stop');
  const patience = options.number('patience');
  const minDelta = options.number('min-delta');
  const tuned = metricArg !== undefined || patience !== undefined || minDelta !== undefined;
  if (options.flag('no-early-stop')) {
    if (tuned) throw new UsageError('--no-early-stop cannot be combined with --early-stop, --patience or --min-delta');
    return undefined;
  }
  if (!tuned && !(epochs > 1)) return undefined;
  let metric: EarlyStoppingSpec['metric'] = 'logLoss';
  if (metricArg !== undefined) {
    if (metricArg === 'auc') metric = 'auc';
    else if (metricArg !== 'logloss') throw new UsageError(`--early-stop takes logloss or auc, not "${metricArg}"`);
  }
  return { metric, patience: patience ?? 3, minDelta: minDelta ?? 0 };
}

function parsePolicies(list: string[]): PolicySpec[] {
  return list.map((item) => {
    const [kind, param] = item.split(':');
    const policy: PolicySpec = { kind: kind as PolicySpec['kind'] };
    if (param !== undefined) {
      const value = Number(param);
      if (!Number.isFinite(value)) throw new UsageError(`policy "${item}": the parameter after ':' must be a number`);
      if (kind === 'mmr') policy.lambda = value;
      else if (kind === 'epsilon-greedy') policy.epsilon = value;
      else throw new UsageError(`policy "${kind}" takes no parameter`);
    }
    return policy;
  });
}

async function runCommand(command: string, argv: string[]): Promise<number> {
  const specs: Record<string, Record<string, OptionKind>> = {
    train: TRAIN_OPTIONS,
    plan: { ...TRAIN_OPTIONS, distinct: 'string' },
    compare: { ...TRAIN_OPTIONS, models: 'list', 'cf-fields': 'list' },
    resume: { run: 'string' },
    eval: { run: 'string', data: 'string' },
    predict: { run: 'string', data: 'string', out: 'string', overwrite: 'boolean' },
    generate: { out: 'string', rows: 'number', seed: 'number', overwrite: 'boolean' },
    bench: { batches: 'list', seconds: 'number', rounds: 'number', presets: 'list', backend: 'string', 'no-torch': 'boolean', rows: 'number', epochs: 'number', seeds: 'list', gpu: 'boolean', threads: 'number', 'min-steps': 'number', steps: 'number' },
    simulate: {
      users: 'number', items: 'number', topics: 'number', rounds: 'number', slate: 'number', 'retrain-every': 'number',
      drift: 'number', seed: 'number', policies: 'list', 'new-items': 'number', name: 'string', 'extreme-drift': 'number', 'churn-after': 'number',
    },
    antidote: { seed: 'number', budgets: 'list', objective: 'string' },
    'mf-tie': { seed: 'number', factors: 'number', run: 'string', fields: 'list' },
    runs: { status: 'list', tag: 'string', text: 'string', out: 'string', overwrite: 'boolean' },
    sweep: { ...TRAIN_OPTIONS, spec: 'string', sweep: 'string' },
    'export-job': { ...TRAIN_OPTIONS, run: 'string', out: 'string', ranks: 'number', plan: 'list', 'budget-mb': 'number' },
    'follow-job': { dir: 'string', name: 'string', run: 'string' },
  };
  const spec = specs[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  const args = parseArgs(argv, { ...spec, ...COMMON });
  const options = new OptionReader(args, command);
  if (options.flag('help')) {
    console.log(USAGE);
    return 0;
  }
  const json = options.flag('json');
  const dataDir = options.string('data-dir');
  const service = await createStudioService({ door: 'cli', workerDir: here, ...(dataDir ? { dataDir } : {}) });
  const cli = new Cli(service, json);
  try {
    return await dispatch(cli, command, args);
  } finally {
    await service.close();
  }
}

async function dispatch(cli: Cli, command: string, args: ParsedArgs): Promise<number> {
  const options = new OptionReader(args, command);
  const need = (name: string): string => options.need(name);
  switch (command) {
    case 'train':
    case 'plan': {
      const input = await buildStartInput(cli, args);
      const distinct = command === 'plan' ? distinctArg(args.options['distinct'] as string | undefined) : undefined;
      const plan = await cli.call('model.plan', {
        model: input.model,
        optimizer: input.optimizer,
        batchSize: input.train.batchSize,
        dataset: input.dataset,
        ...(input.train.backend ? { backend: input.train.backend } : {}),
        ...(distinct ? { featureDistinctValues: distinct } : {}),
      });
      for (const line of planLines(plan)) cli.info(line);
      if (command === 'plan') {
        cli.print(plan);
        return plan.fits ? 0 : 1;
      }
      const { id } = await cli.call('runs.start', input);
      cli.info(`run ${id} started (data: ${input.dataset.kind}, model: ${input.model.kind}${input.model.preset ? ` ${input.model.preset}` : ''})`);
      const detail = await cli.followRun(id);
      if (detail.bestAt) {
        const b = detail.bestAt;
        cli.info(`${b.stoppedEarly ? 'stopped early; ' : ''}the model kept is the best at step ${b.step} of ${b.trainedSteps} (valid ${b.metric} ${b.value.toFixed(4)})`);
      }
      cli.print(detail);
      return detail.status === 'finished' ? 0 : 1;
    }
    case 'resume': {
      const { id } = await cli.call('runs.resume', { id: need('run') });
      const detail = await cli.followRun(id);
      cli.print(detail);
      return detail.status === 'finished' ? 0 : 1;
    }
    case 'export-job': {
      // a tracked run (--run ID) or a configuration given with the train options
      const input: MethodInput<'jobs.exportTorch'> = { outDir: need('out') };
      const run = options.string('run');
      if (run) input.id = run;
      else input.config = await buildStartInput(cli, args);
      options.withNumber('ranks', (value) => (input.worldSize = value));
      const plan = options.list('plan');
      if (plan) input.tableOwner = plan.map((v) => Number(v));
      options.withNumber('budget-mb', (value) => (input.memoryBudgetBytes = value * 1024 * 1024));
      const exported = await cli.call('jobs.exportTorch', input);
      cli.info(`job written to ${exported.dir}; start it with one of:\n  ${exported.commands.join('\n  ')}\nthen follow it: node out/main/cli.js follow-job --dir ${exported.dir}`);
      cli.print(exported);
      return 0;
    }
    case 'follow-job': {
      const name = options.string('name');
      const runId = options.string('run');
      const dir = need('dir');
      const { id } = await cli.call('jobs.followTorch', { dir, ...(name ? { name } : {}), ...(runId ? { runId } : {}) });
      cli.info(`following the job as run ${id}${runId ? ' (again: its metrics are read anew from the log)' : ''} (Ctrl+C stops following, not the job)`);
      const detail = await cli.followRun(id, dir);
      cli.print(detail);
      return detail.status === 'finished' ? 0 : 1;
    }
    case 'compare': {
      const base = await buildStartInput(cli, args);
      const presets = await cli.call('presets.list', {});
      const requested = options.list('models') ?? ['dlrm', 'dcn', 'fm', 'lr'];
      const collaborative = requested.filter((name): name is CollaborativeCtrKind => (COLLABORATIVE_NAMES as readonly string[]).includes(name));
      const names = requested.filter((name) => !(COLLABORATIVE_NAMES as readonly string[]).includes(name));
      const cfFields = (options.list('cf-fields') ?? ['C1', 'C2']).map((field, index) => {
        const match = /^C(\d+)$/i.exec(field.trim());
        if (!match || Number(match[1]) < 1) throw new UsageError(`--cf-fields takes two categorical fields like C1,C2; item ${index + 1} is "${field}"`);
        return Number(match[1]) - 1;
      });
      if (cfFields.length !== 2) throw new UsageError(`--cf-fields takes exactly two fields (user,item), got ${cfFields.length}`);
      const models = names.map((name) => {
        const preset = presets.find((p) => p.name === name) ?? presets.find((p) => p.model.kind === name);
        if (!preset) throw new UsageError(`unknown model "${name}"`);
        return { ...preset.model, hashSize: base.model.hashSize };
      });
      const results: RunDetail[] = [];
      if (models.length > 0) {
        const { group, ids } = await cli.call('runs.compareModels', { base, models });
        cli.info(`group ${group}: ${ids.length} runs`);
        for (const id of ids) results.push(await cli.followRun(id));
      }
      const rows: unknown[] = results.map((r) => ({ id: r.id, name: r.name, model: r.modelKind, status: r.status, params: r.paramCount, test: r.test, samplesPerSec: r.last.samplesPerSec }));
      if (collaborative.length > 0) {
        const [userField, itemField] = cfFields as [number, number];
        cli.info(`collaborative filtering on C${userField + 1} (users) x C${itemField + 1} (items): ${collaborative.join(', ')} ...`);
        const cf = await cli.call('runs.compareCollaborative', { base, userField, itemField, models: collaborative });
        cli.info(`${cf.users} users, ${cf.items} items, ${cf.pairs} pairs in ${cf.trainRows} training rows; ${(cf.testCoverage * 100).toFixed(1)}% of ${cf.testRows} test rows have both seen in training`);
        for (const row of cf.rows) {
          cli.info(`${row.name}: test AUC ${row.test.auc?.toFixed(4) ?? 'n/a'}${row.probability ? `, log loss ${row.test.logLoss?.toFixed(4) ?? 'n/a'}` : ' (a score, no log loss)'}`);
          rows.push({ name: `${row.name} (C${userField + 1} x C${itemField + 1})`, model: row.kind, status: 'finished', test: row.test, fitSeconds: row.fitSeconds });
        }
      }
      cli.print(rows);
      return results.every((r) => r.status === 'finished') ? 0 : 1;
    }
    case 'eval': {
      const data = options.string('data');
      cli.print(await cli.call('runs.evaluate', { id: need('run'), ...(data ? { path: data } : {}) }));
      return 0;
    }
    case 'predict':
      cli.print(await cli.call('runs.predict', { id: need('run'), path: need('data'), outPath: need('out'), overwrite: options.flag('overwrite') }));
      return 0;
    case 'generate':
      cli.print(await cli.call('data.generate', { path: need('out'), rows: options.number('rows') ?? 1_000_000, seed: options.number('seed') ?? 1, overwrite: options.flag('overwrite') }));
      return 0;
    case 'bench': {
      const component = options.flag('gpu') ? 'gpu' : options.positionals[0];
      if (component !== undefined) {
        if (component !== 'preprocess' && component !== 'simulation' && component !== 'projections' && component !== 'parity' && component !== 'gpu' && component !== 'recommenders' && component !== 'compression' && component !== 'hybrid' && component !== 'kaggle-scale') {
          throw new UsageError(`bench takes preprocess, simulation, projections, parity, recommenders, compression, hybrid, kaggle-scale or --gpu, not "${component}"`);
        }
        cli.info(`benchmarking ${component} ...`);
        const input: MethodInput<'bench.component'> = { kind: component };
        options.withNumber('rows', (value) => (input.rows = value));
        options.withNumber('epochs', (value) => (input.epochs = value));
        options.withNumber('seconds', (value) => (input.seconds = value));
        const batchSizes = options.list('batches');
        if (batchSizes) input.batchSizes = batchSizes.map(Number);
        const presets = options.list('presets');
        if (component === 'gpu' && presets) input.presets = presets;
        options.withNumber('min-steps', (value) => (input.minSteps = value));
        options.withNumber('rounds', (value) => (input.rounds = value));
        options.withNumber('steps', (value) => (input.steps = value));
        const seeds = options.list('seeds');
        if (seeds) input.seeds = seeds.map(Number);
        cli.print(await cli.call('bench.component', input));
        return 0;
      }
      const batches = (options.list('batches') ?? ['128', '2048']).map(Number);
      const input: MethodInput<'bench.train'> = {
        batchSizes: batches,
        seconds: options.number('seconds') ?? 10,
        presets: options.list('presets') ?? ['criteo-kaggle'],
        compareTorch: !options.flag('no-torch'),
      };
      const backend = options.string('backend');
      if (backend) input.backend = backend as NonNullable<typeof input.backend>;
      options.withNumber('threads', (value) => (input.threads = value as 1 | 2));
      options.withNumber('rounds', (value) => (input.rounds = value));
      cli.info(`benchmarking ${input.presets.join(', ')} at batch ${batches.join(', ')} (${input.seconds} s each)...`);
      const rows = await cli.call('bench.train', input);
      if (!options.flag('json')) {
        for (const r of rows) {
          cli.info(
            `${r.preset} batch ${r.batchSize} on ${r.backend}, ${r.threads} thread${r.threads === 1 ? '' : 's'}: ` +
              `${Math.round(r.medianSamplesPerSec)} samples/s by the median step (${Math.round(r.samplesPerSec)} over the whole run), ` +
              `peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB` +
              (r.torchSamplesPerSec !== null
                ? `; torch ${Math.round(r.torchSamplesPerSec)} samples/s (median step), ratio ${r.ratioToTorch?.toFixed(3)} ` +
                  `(median of rounds ${r.ratioRounds.map((x) => x.toFixed(3)).join(', ')})`
                : '; torch: not measured'),
          );
        }
      }
      cli.print(rows);
      return 0;
    }
    case 'simulate': {
      const spec: Record<string, unknown> = {};
      const map: [string, string][] = [['users', 'users'], ['items', 'items'], ['topics', 'topics'], ['rounds', 'rounds'], ['slate', 'slateSize'], ['retrain-every', 'retrainEvery'], ['drift', 'drift'], ['seed', 'seed'], ['new-items', 'newItemsPerRound'], ['extreme-drift', 'extremeDrift'], ['churn-after', 'churnAfter']];
      for (const [opt, key] of map) options.withNumber(opt, (value) => (spec[key] = value));
      const policies = options.list('policies');
      if (policies) spec['policies'] = parsePolicies(policies);
      const name = options.string('name');
      if (name) spec['name'] = name;
      const { id } = await cli.call('sim.start', spec as unknown as MethodInput<'sim.start'>);
      cli.info(`simulation ${id} started`);
      const detail = await followSimulation(cli, id);
      const summary: Record<string, unknown> = {};
      const lastQuarter: Record<string, Record<string, number>> = {};
      for (const [policy, rounds] of Object.entries(detail.metrics)) {
        summary[policy] = rounds.at(-1) ?? null;
        const tail = rounds.slice(rounds.length - Math.max(1, Math.floor(rounds.length / 4)));
        const mean = (pick: (round: (typeof rounds)[number]) => number): number => (tail.length > 0 ? tail.reduce((sum, round) => sum + pick(round), 0) / tail.length : 0);
        lastQuarter[policy] = {
          clickRate: mean((r) => r.clickRate),
          intraListDiversity: mean((r) => r.intraListDiversity),
          coverage: mean((r) => r.coverage),
          extremeShare: mean((r) => r.extremeShare),
          polarization: mean((r) => r.polarization),
        };
      }
      cli.print({ id: detail.id, status: detail.status, error: detail.error, lastRound: summary, lastQuarter });
      return detail.status === 'finished' ? 0 : 1;
    }
    case 'antidote': {
      const input: MethodInput<'sim.antidote'> = {};
      options.withNumber('seed', (value) => (input.seed = value));
      const budgets = options.numbers('budgets');
      if (budgets) input.budgets = budgets;
      const objective = options.string('objective');
      if (objective !== undefined) {
        if (objective !== 'polarization' && objective !== 'unfairness') throw new UsageError(`--objective takes polarization or unfairness, not "${objective}"`);
        input.objective = objective;
      }
      cli.info('running the antidote experiment (a few seconds per budget) ...');
      const result = await cli.call('sim.antidote', input);
      for (const point of result.points) {
        const change = ((point.after.polarization - point.before.polarization) / point.before.polarization) * 100;
        cli.info(
          `budget ${point.budget} (${point.antidoteUsers} antidote users): polarisation ${point.before.polarization.toExponential(3)} -> ${point.after.polarization.toExponential(3)} (${change.toFixed(1)}%), ` +
            `group errors ${point.before.groupError.map((e) => e.toFixed(4)).join('/')} -> ${point.after.groupError.map((e) => e.toFixed(4)).join('/')}`,
        );
      }
      cli.print(result);
      return 0;
    }
    case 'mf-tie': {
      const input: MethodInput<'sim.mfTie'> = {};
      options.withNumber('seed', (value) => (input.seed = value));
      options.withNumber('factors', (value) => (input.factors = value));
      const runId = options.string('run');
      if (runId !== undefined) {
        const fields = (options.list('fields') ?? ['C1', 'C2']).map((field, index) => {
          const match = /^C(\d+)$/i.exec(field.trim());
          if (!match || Number(match[1]) < 1) throw new UsageError(`--fields takes two categorical fields like C1,C2; item ${index + 1} is "${field}"`);
          return Number(match[1]) - 1;
        });
        if (fields.length !== 2) throw new UsageError(`--fields takes exactly two fields (user,item), got ${fields.length}`);
        const detail = await cli.call('runs.get', { id: runId });
        input.data = { base: detail.config, userField: fields[0]!, itemField: fields[1]! };
      }
      cli.info(`fitting ALS and the two-field DLRM on ${input.data ? `C${input.data.userField + 1} x C${input.data.itemField + 1} of run ${runId}` : 'a simulated log'} (several seconds) ...`);
      const result = await cli.call('sim.mfTie', input);
      cli.info(
        `${result.source}: ${result.users} users x ${result.items} items, ${result.impressions} impressions, D = ${result.factors}: ` +
          `correlation ALS vs DLRM logit ${result.correlationLogit.toFixed(3)}, vs dot ${result.correlationDot.toFixed(3)}; ` +
          `NDCG@${result.k} ALS ${result.ndcg.als.toFixed(4)}, DLRM ${result.ndcg.dlrm.toFixed(4)}, random ${result.ndcg.random.toFixed(4)}`,
      );
      cli.print({ ...result, scatter: `${result.scatter.length} cells (omitted)` });
      return 0;
    }
    case 'runs':
      return runsCommand(cli, args);
    case 'sweep':
      return sweepCommand(cli, args);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function sweepCommand(cli: Cli, args: ParsedArgs): Promise<number> {
  const [sub, ...rest] = args.positionals;
  if (sub === 'list') {
    cli.print(await cli.call('sweeps.list', {}));
    return 0;
  }
  if (sub === 'show') {
    cli.print(await cli.call('sweeps.get', { id: rest[0] ?? '' }));
    return 0;
  }
  let id: string;
  if (sub === 'resume') {
    const sweep = new OptionReader(args, 'sweep resume').string('sweep');
    if (sweep === undefined) throw new UsageError('sweep resume needs --sweep ID');
    id = (await cli.call('sweeps.resume', { id: sweep })).id;
    cli.info(`sweep ${id} resumed`);
  } else {
    if (sub !== undefined) throw new UsageError(`sweep takes --spec FILE, or one of resume, list, show; not "${sub}"`);
    const file = new OptionReader(args, 'sweep').string('spec');
    if (file === undefined) throw new UsageError('sweep needs --spec FILE (JSON)');
    let spec: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
      spec = parsed as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (spec['base'] === undefined) spec['base'] = await buildStartInput(cli, args);
    id = (await cli.call('sweeps.start', spec as unknown as MethodInput<'sweeps.start'>)).id;
    cli.info(`sweep ${id} started`);
  }
  const detail = await followSweep(cli, id);
  cli.print({
    id: detail.id,
    name: detail.name,
    status: detail.status,
    strategy: detail.strategy,
    metric: detail.metric,
    error: detail.error,
    wallSeconds: detail.startedAt && detail.endedAt ? (Date.parse(detail.endedAt) - Date.parse(detail.startedAt)) / 1000 : null,
    bestTrial: detail.bestTrial,
    trials: detail.trialList.map((t) => ({ index: t.index, state: t.state, settings: t.settings, value: t.value, bestStep: t.bestStep, trainedSteps: t.trainedSteps, testAuc: t.test.auc ?? null, runId: t.runId })),
  });
  return detail.status === 'finished' ? 0 : 1;
}

/** Polls a sweep until it stops, logging each trial as it changes state; Ctrl+C cancels it (resumable). */
async function followSweep(cli: Cli, id: string): Promise<MethodResult<'sweeps.get'>> {
  const seen = new Map<number, string>();
  const stopProgress = cli.onRunProgress();
  const onSigint = (): void => {
    cli.info('cancelling the sweep (resume it with: sweep resume --sweep ID) ...');
    void cli.call('sweeps.cancel', { id }).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const detail = await cli.call('sweeps.get', { id });
      for (const t of detail.trialList) {
        const key = `${t.state}:${t.completedRung}`;
        if (seen.get(t.index) === key) continue;
        seen.set(t.index, key);
        if (t.state !== 'pending') {
          cli.info(`trial ${t.index} ${t.state}${t.completedRung >= 0 ? ` (rung ${t.completedRung})` : ''}: ${Object.entries(t.settings).map(([k, v]) => `${k}=${v}`).join(' ')}${t.value !== null ? ` valid ${detail.metric} ${t.value.toFixed(4)}` : ''}`);
        }
      }
      if (detail.status !== 'running' && detail.status !== 'queued') return detail;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    stopProgress();
    process.removeListener('SIGINT', onSigint);
  }
}

async function followSimulation(cli: Cli, id: string): Promise<MethodResult<'sim.get'>> {
  for (;;) {
    const detail = await cli.call('sim.get', { id });
    if (detail.status !== 'running' && detail.status !== 'queued') return detail;
    if (!cli.quiet) cli['progress'].update({ fraction: detail.progress, label: `simulation ${id}`, etaSeconds: null });
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function runsCommand(cli: Cli, args: ParsedArgs): Promise<number> {
  const options = new OptionReader(args, 'runs');
  const [sub, ...rest] = options.positionals;
  const out = options.string('out');
  // the same rule as the service's outputs: an existing file is replaced only when asked
  if (out !== undefined && existsSync(out) && !options.flag('overwrite')) {
    throw new UsageError(`${resolve(out)} already exists; add --overwrite to replace it`);
  }
  switch (sub) {
    case 'list': {
      const query: MethodInput<'runs.list'> = {};
      const status = options.list('status');
      if (status) query.status = status as RunStatus[];
      const tag = options.string('tag');
      if (tag) query.tag = tag;
      const text = options.string('text');
      if (text) query.text = text;
      cli.print(await cli.call('runs.list', query));
      return 0;
    }
    case 'show':
      cli.print(await cli.call('runs.get', { id: rest[0] ?? '' }));
      return 0;
    case 'export': {
      const { json } = await cli.call('runs.export', { ids: rest });
      if (out) writeFileSync(out, json);
      else process.stdout.write(json + '\n');
      return 0;
    }
    case 'csv': {
      const { csv } = await cli.call('runs.exportCsv', { ids: rest });
      if (out) writeFileSync(out, csv);
      else process.stdout.write(csv);
      return 0;
    }
    case 'import':
      cli.print(await cli.call('runs.import', { json: readFileSync(rest[0] ?? '', 'utf8') }));
      return 0;
    case 'delete':
      cli.print(await cli.call('runs.delete', { ids: rest }));
      return 0;
    case 'rename':
      cli.print(await cli.call('runs.update', { id: rest[0] ?? '', name: rest.slice(1).join(' ') }));
      return 0;
    default:
      throw new UsageError('runs needs one of: list, show, export, csv, import, delete, rename');
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    process.exit(command ? 0 : 2);
  }
  try {
    process.exitCode = await runCommand(command, rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (err instanceof UsageError) console.error('run with --help for usage');
    process.exitCode = 2;
  }
}

void main();
