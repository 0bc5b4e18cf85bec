/** Pure helpers of the new-run form (unit-tested). */
import type { ModelSpec, StartRunInput } from '../../../../src-main/service/contract';

/** "a, b,,c " -> ['a', 'b', 'c'], without duplicates. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];
}

/** Whether the architecture fields differ from a preset's (the `preset` label itself is ignored). */
export function modelDiffersFromPreset(model: ModelSpec, preset: ModelSpec): boolean {
  const keys: (keyof ModelSpec)[] = ['kind', 'embeddingDim', 'bottomMlp', 'topMlp', 'interaction', 'hashSize'];
  return keys.some((key) => model[key] !== preset[key]);
}

function positiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Checks the form can express before asking the service (which validates again): numbers present and
 * in range, a file path when reading a file. Architecture consistency is model.check's job.
 */
export function validateForm(input: StartRunInput): string[] {
  const errors: string[] = [];
  const { dataset, train, optimizer, model } = input;
  if (dataset.kind === 'synthetic') {
    if (!positiveInteger(dataset.rows) || dataset.rows < 100) errors.push('Synthetic rows: a whole number of at least 100.');
    if (!Number.isInteger(dataset.seed)) errors.push('Generator seed: a whole number.');
  } else if (dataset.kind === 'file') {
    if (!dataset.path) errors.push('Dataset: type the path of a Criteo file.');
    const shares = (dataset.validFraction ?? 0) + (dataset.testFraction ?? 0);
    if (dataset.split === 'random' && !(shares > 0 && shares < 1)) {
      errors.push('Validation and test shares: together more than 0 and less than 1.');
    }
  }
  if (dataset.categories?.encoding === 'vocab' && !positiveInteger(dataset.categories.minCount ?? 1)) {
    errors.push('Minimum count: a whole number above 0.');
  }
  if (!positiveInteger(model.embeddingDim)) errors.push('Embedding dim: a whole number above 0.');
  if (!positiveInteger(model.hashSize)) errors.push('Hash size: a whole number above 0.');
  if (!positiveInteger(train.batchSize)) errors.push('Batch size: a whole number above 0.');
  if (!positiveInteger(train.epochs)) errors.push('Epochs: a whole number above 0.');
  if (!(Number.isInteger(train.evalEvery) && train.evalEvery >= 0)) errors.push('Evaluate every: 0 or more steps.');
  if (!(Number.isInteger(train.checkpointEvery) && train.checkpointEvery >= 0)) {
    errors.push('Checkpoint every: 0 or more steps.');
  }
  if (!Number.isInteger(train.seed)) errors.push('Seed: a whole number.');
  if (train.shuffleWindow !== undefined) {
    if (!(Number.isInteger(train.shuffleWindow) && train.shuffleWindow >= 1 && train.shuffleWindow <= 2 ** 31 - 1)) {
      errors.push('Shuffle window: empty (off) or a whole number of rows above 0.');
    } else if (dataset.kind === 'synthetic') {
      errors.push('Shuffle window: files only (synthetic rows have no stored order; leave it empty).');
    }
  }
  if (train.hybridWorkers !== undefined && !(Number.isInteger(train.hybridWorkers) && train.hybridWorkers >= 1 && train.hybridWorkers <= 64)) {
    errors.push('Hybrid parallel workers: empty (off) or a whole number from 1 to 64.');
  }
  if (train.hybridWorkers !== undefined && model.kind !== 'dlrm') errors.push('Hybrid parallel workers: DLRMs only (leave it empty for this model).');
  if (train.hybridMemoryBudgetBytes !== undefined && !(train.hybridMemoryBudgetBytes > 0 && train.hybridWorkers !== undefined)) {
    errors.push('Hybrid memory per worker: a positive number of MiB, with hybrid parallel workers set.');
  }
  if (!(typeof train.maxBadRowShare === 'number' && train.maxBadRowShare >= 0 && train.maxBadRowShare <= 1)) {
    errors.push('Bad-row share: between 0 and 1.');
  }
  if (!(typeof optimizer.learningRate === 'number' && optimizer.learningRate > 0)) {
    errors.push('Learning rate: a number above 0.');
  }
  if (!(Number.isInteger(optimizer.warmupSteps) && optimizer.warmupSteps >= 0)) errors.push('Warm-up steps: 0 or more.');
  if (optimizer.weightDecay !== undefined && !(optimizer.weightDecay >= 0 && optimizer.weightDecay <= 10)) {
    errors.push('Weight decay: a number from 0 to 10.');
  }
  return errors;
}
