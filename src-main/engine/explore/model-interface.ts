/**
 * What explore/ needs from a trained model: the interface the model folder defines (Dlrm implements
 * it). Re-exported here so that every explore/ file imports it from one place.
 */
export type { ExplainableModel } from '../model/explainable';
