/** A quick look at a file for the new-run form: format, header, first rows, problems, click rate. */
import type { DatasetPreview } from '../../domain';
import { readCriteoFile } from './reader';

/**
 * Reads the first `rows` data lines of a Criteo file (TSV/CSV, plain or gzip) and reports them.
 * Throws DatasetError for a missing, empty, binary or truncated file. `quoteValues: false` keeps
 * the problems' messages free of the file's content (web mode).
 */
export async function previewFile(path: string, rows = 20, options: { quoteValues?: boolean } = {}): Promise<DatasetPreview> {
  const quote = options.quoteValues ?? true;
  const fields: string[][] = [];
  let clicks = 0;
  const summary = await readCriteoFile(
    path,
    (row) => {
      clicks += row.label;
    },
    { maxLines: Math.max(1, rows), onFields: (values) => fields.push(values), maxReports: Math.max(1, rows) },
  );
  return {
    path,
    bytes: summary.info.bytes,
    format: summary.info.gzip ? (summary.info.format === 'csv' ? 'csv.gz' : 'tsv.gz') : summary.info.format,
    header: summary.info.header,
    rows: fields,
    rowsRead: summary.lines,
    badRows: summary.badRows,
    problems: summary.reports.map((report) => ({ line: report.line, field: report.field, message: quote ? report.message : (report.reason ?? `${report.field} is malformed`) })),
    clickRate: summary.rows > 0 ? clicks / summary.rows : null,
  };
}
