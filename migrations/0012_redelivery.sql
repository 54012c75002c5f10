-- Re-delivery of failed webhook events (`driftwatch notify redeliver`, workflows/redeliver-notifications.ts):
-- a failed delivery is put back to pending by one redelivery workflow run, which alone then sends it (so
-- two overlapping requests never POST the same delivery twice), and `attempts` keeps counting every POST.
ALTER TABLE notify_deliveries
  ADD COLUMN attempts_before integer NOT NULL DEFAULT 0 CHECK (attempts_before >= 0),  -- POSTs tried before its last re-queue
  ADD COLUMN requeued_by text,                    -- run id of the redelivery workflow that re-queued it last
  ADD COLUMN requeued_at timestamptz;             -- when it was last re-queued
