/** The files of a run's folder (`runs/<id>/`), named once for the training job, explore and the service. */
export const RUN_FILES = {
  model: 'model.bin',
  preprocessing: 'preprocessing.json',
  stats: 'feature-stats.bin',
  checkpoints: 'checkpoints',
} as const;
