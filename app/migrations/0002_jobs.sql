-- Background jobs: one row per job, whatever the queue does with its message.
-- The row is the job's truth (status, attempts, error); Redis only carries
-- {"job_id": N} to a worker. A job whose message was lost is still here.
CREATE TABLE jobs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    user_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
    status      text        NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'not_queued', 'running', 'done', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
);
CREATE INDEX jobs_user_id_idx ON jobs (user_id);
-- The scheduled prune deletes finished jobs by age.
CREATE INDEX jobs_finished_at_idx ON jobs (finished_at) WHERE status IN ('done', 'failed');

-- What the welcome job writes.
ALTER TABLE users ADD COLUMN welcome_message text;
ALTER TABLE users ADD COLUMN welcomed_at timestamptz;
