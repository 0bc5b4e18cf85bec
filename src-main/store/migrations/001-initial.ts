/**
 * Schema version 1: runs, their tags, metric series and points, artifacts; simulations and their
 * per-round metrics. Every table is STRICT. Times are ISO-8601 UTC strings (they sort as text).
 */
import type { WritableDB } from '../db';
import type { Migration } from './types';

function up(db: WritableDB): void {
  db.exec(`
    CREATE TABLE runs (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
      created_at TEXT NOT NULL,
      started_at TEXT,
      ended_at TEXT,
      -- the StartRunInput that created the run, as JSON
      config_json TEXT NOT NULL,
      group_id TEXT,
      seed INTEGER NOT NULL,
      model_kind TEXT NOT NULL,
      preset TEXT,
      backend TEXT,
      backend_detail TEXT,
      param_count INTEGER,
      progress REAL NOT NULL DEFAULT 0,
      -- DatasetDescription as JSON, once the data is read
      dataset_json TEXT,
      notes TEXT NOT NULL DEFAULT '',
      error TEXT,
      -- process id of the app process that created or started the run (tells live runs from dead ones)
      owner_pid INTEGER
    ) STRICT;
    CREATE INDEX runs_by_created_at ON runs (created_at);
    CREATE INDEX runs_by_status ON runs (status);
    CREATE INDEX runs_by_group ON runs (group_id) WHERE group_id IS NOT NULL;

    CREATE TABLE run_tags (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      tag TEXT NOT NULL,
      PRIMARY KEY (run_id, tag)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX run_tags_by_tag ON run_tags (tag);

    -- One row per (run, metric name); points refer to it by integer id so the big table stays small.
    CREATE TABLE metric_series (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      UNIQUE (run_id, name)
    ) STRICT;

    -- Clustered by (series, step): a series is one range scan; appends land at the end of it.
    CREATE TABLE metric_points (
      series_id INTEGER NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      samples INTEGER NOT NULL,
      -- seconds since the run started
      wall_time REAL NOT NULL,
      -- NULL when the value was not finite
      value REAL,
      PRIMARY KEY (series_id, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE artifacts (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'model', 'export', 'other')),
      -- relative to the data folder, '/'-separated
      path TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      step INTEGER,
      created_at TEXT NOT NULL,
      UNIQUE (run_id, path)
    ) STRICT;

    CREATE TABLE simulations (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
      created_at TEXT NOT NULL,
      started_at TEXT,
      ended_at TEXT,
      seed INTEGER NOT NULL,
      -- the SimulationSpec as JSON
      spec_json TEXT NOT NULL,
      progress REAL NOT NULL DEFAULT 0,
      error TEXT,
      owner_pid INTEGER
    ) STRICT;
    CREATE INDEX simulations_by_created_at ON simulations (created_at);

    CREATE TABLE simulation_rounds (
      simulation_id TEXT NOT NULL REFERENCES simulations (id) ON DELETE CASCADE,
      policy TEXT NOT NULL,
      round INTEGER NOT NULL,
      click_rate REAL,
      mean_utility REAL,
      intra_list_diversity REAL,
      coverage REAL,
      exposure_gini REAL,
      topic_entropy REAL,
      homogenization REAL,
      polarization REAL,
      extreme_share REAL,
      active_users INTEGER NOT NULL,
      -- topic shares of the tracked user's consumption this round, JSON number[] (or NULL)
      tracked_topic_shares TEXT,
      PRIMARY KEY (simulation_id, policy, round)
    ) STRICT, WITHOUT ROWID;
  `);
}

export const migration001: Migration = { version: 1, name: 'initial', up };
