/**
 * Schema version 2: where a run's kept model came from (early stopping: "best at step N of M"), and
 * sweeps with their trials. A trial's run is an ordinary run (group_id = the sweep's id); the trial
 * row says which setting values it has, which run trains it and how far it got, so a sweep resumed
 * after a kill neither repeats nor loses a trial.
 */
import type { WritableDB } from '../db';
import type { Migration } from './types';

function up(db: WritableDB): void {
  db.exec(`
    -- BestStepInfo as JSON, once a run with early stopping has finished
    ALTER TABLE runs ADD COLUMN best_json TEXT;

    CREATE TABLE sweeps (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
      created_at TEXT NOT NULL,
      started_at TEXT,
      ended_at TEXT,
      strategy TEXT NOT NULL CHECK (strategy IN ('grid', 'random', 'halving')),
      seed INTEGER NOT NULL,
      -- the SweepSpec as JSON
      spec_json TEXT NOT NULL,
      error TEXT,
      owner_pid INTEGER
    ) STRICT;
    CREATE INDEX sweeps_by_created_at ON sweeps (created_at);

    CREATE TABLE sweep_trials (
      sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
      trial INTEGER NOT NULL,
      -- the trial's setting values, JSON object
      settings_json TEXT NOT NULL,
      state TEXT NOT NULL
        CHECK (state IN ('pending', 'running', 'paused', 'pruned', 'finished', 'failed')),
      -- the run that trains it, once created (in the same transaction as this link)
      run_id TEXT REFERENCES runs (id) ON DELETE SET NULL,
      -- highest rung admitted to, and highest rung completed (-1: none)
      rung INTEGER NOT NULL DEFAULT 0,
      completed_rung INTEGER NOT NULL DEFAULT -1,
      -- best validation value of the sweep's metric at the last completed rung
      value REAL,
      error TEXT,
      PRIMARY KEY (sweep_id, trial)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX sweep_trials_by_run ON sweep_trials (run_id) WHERE run_id IS NOT NULL;
  `);
}

export const migration002: Migration = { version: 2, name: 'early-stopping-and-sweeps', up };
