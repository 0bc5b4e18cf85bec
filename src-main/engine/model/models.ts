/**
 * Building any model kind from a ModelSpec: fresh (seeded) or from saved weights. The trainer,
 * checkpoints and model files go through these two functions only.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../domain';
import type { CtrModel, ModelWeights } from './ctr-model';
import { DeepCrossNetwork } from './dcn';
import { Dlrm } from './dlrm';
import type { ExplainableModel } from './explainable';
import { FactorizationMachine } from './fm';
import { LogisticRegression } from './logistic';
import { MatrixFactorization } from './mf';
import { modelArchitectureOf, type ModelArchitecture } from './model-spec';
import type { Rng } from '../random/rng';

export interface ModelBuildOptions {
  /** I (default 13). */
  numDense?: number;
}

/**
 * Runs a model constructor inside tf.tidy: tf.variable(tensor) keeps the tensor it was made from
 * alive (Mlp builds its variables that way), so without the tidy every model built would leave one
 * tensor per dense variable behind. Variables survive the tidy.
 */
function built<T>(build: () => T): T {
  let model: T | undefined;
  tf.tidy(() => {
    model = build();
  });
  return model as T;
}

function architectureFor(spec: ModelSpec, featureTableSizes: readonly number[], options: ModelBuildOptions): ModelArchitecture {
  return modelArchitectureOf(spec, { numDense: options.numDense, numFeatures: featureTableSizes.length });
}

/**
 * A freshly initialised model of spec.kind, deterministic for a seed.
 * @param featureTableSizes rows of the table of each categorical feature of the data, [F].
 * @throws when the spec is invalid (the message lists every problem).
 */
export function createModel(spec: ModelSpec, featureTableSizes: readonly number[], seed: number | Rng, options: ModelBuildOptions = {}): CtrModel {
  const arch = architectureFor(spec, featureTableSizes, options);
  switch (arch.kind) {
    case 'dlrm': {
      const { kind: _kind, ...dlrm } = arch;
      return built(() => Dlrm.create(dlrm, featureTableSizes, seed, { compression: spec.compression, tablePrecision: spec.tablePrecision }));
    }
    case 'lr':
      return built(() => LogisticRegression.create(arch, featureTableSizes, seed));
    case 'fm':
      return built(() => FactorizationMachine.create(arch, featureTableSizes, seed));
    case 'mf':
      return built(() => MatrixFactorization.create(arch, featureTableSizes, seed));
    case 'dcn':
      return built(() => DeepCrossNetwork.create(arch, featureTableSizes, seed));
  }
}

/** A model of spec.kind from saved weights (tables used as given, not copied). */
export function modelFromWeights(spec: ModelSpec, featureTableSizes: readonly number[], weights: ModelWeights, options: ModelBuildOptions = {}): CtrModel {
  const arch = architectureFor(spec, featureTableSizes, options);
  switch (arch.kind) {
    case 'dlrm': {
      const { kind: _kind, ...dlrm } = arch;
      return built(() => Dlrm.fromWeights(dlrm, featureTableSizes, weights, { compression: spec.compression, tablePrecision: spec.tablePrecision }));
    }
    case 'lr':
      return built(() => LogisticRegression.fromWeights(arch, featureTableSizes, weights));
    case 'fm':
      return built(() => FactorizationMachine.fromWeights(arch, featureTableSizes, weights));
    case 'mf':
      return built(() => MatrixFactorization.fromWeights(arch, featureTableSizes, weights));
    case 'dcn':
      return built(() => DeepCrossNetwork.fromWeights(arch, featureTableSizes, weights));
  }
}

/** The model as an ExplainableModel (the explore heatmaps, importance, recommendations), or null for kinds that are not (only DLRM is). */
export function asExplainable(model: CtrModel): ExplainableModel | null {
  return model instanceof Dlrm ? model : null;
}
