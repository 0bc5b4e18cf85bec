/**
 * Exact ROC AUC with ties for the synthetic generator's Bayes-optimal AUC: the engine's shared
 * implementation (../metrics), under the name the data module has always exported.
 */
export { rocAuc as exactAuc } from '../metrics/classification';
