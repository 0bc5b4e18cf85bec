/**
 * The two metrics feature-removal importance needs: exact ROC AUC (ties count one half, NaN with one
 * class) and mean binary log loss, from the engine's shared implementation.
 */

export { rocAuc, logLoss } from '../metrics/classification';
