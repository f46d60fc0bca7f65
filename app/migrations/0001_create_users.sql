-- The schema the web process created at start before migrations existed.
-- IF NOT EXISTS: a database that already has it adopts this version as is.
CREATE TABLE IF NOT EXISTS users (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key UNIQUE (username)
);
