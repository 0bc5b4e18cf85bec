/** What is known of a dataset: its description once prepared, a preview of a file, a generated file. */
import type { DatasetSpec } from './run-config';

export interface DatasetDescription {
  kind: DatasetSpec['kind'];
  path?: string;
  bytes?: number;
  sha256?: string;
  rows: number;
  badRows: number;
  trainRows: number;
  validRows: number;
  testRows: number;
  /** Bayes-optimal AUC of the test split (synthetic data only). */
  bayesAuc?: number | null;
}

export interface DatasetPreview {
  path: string;
  bytes: number;
  format: 'tsv' | 'csv' | 'tsv.gz' | 'csv.gz';
  /** First rows, as the fields read (strings). */
  header: string[];
  rows: string[][];
  /** Report over the rows read for the preview. */
  rowsRead: number;
  badRows: number;
  problems: { line: number; field: string; message: string }[];
  clickRate: number | null;
}

export interface GenerateResult {
  path: string;
  rows: number;
  bytes: number;
  clickRate: number;
  /** Bayes-optimal AUC of the generated rows (AUC of the planted probabilities). */
  bayesAuc: number | null;
}
