-- Notifications (src/notify/), and the cell box of evidence tiles (last statement): per-area webhook subscriptions, one recorded change per alert change and
-- one delivery per subscription and change, each POSTed by a Temporal activity (workflows/deliver-notifications.ts).

-- Bumped by every recorded change of the alert (alert_changes.version is the value after that change).
ALTER TABLE alerts ADD COLUMN version integer NOT NULL DEFAULT 0 CHECK (version >= 0);

-- An alert created or updated by an acquisition (phase 'detection'), or confirmed by one (phase
-- 'confirmation'). At most one row per alert, acquisition and phase, so a retried activity or workflow
-- records nothing twice.
CREATE TABLE alert_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id),
  phase text NOT NULL CHECK (phase IN ('detection', 'confirmation')),
  change text NOT NULL CHECK (change IN ('created', 'updated', 'confirmed')),
  version integer NOT NULL CHECK (version > 0),   -- the alert's version after this change
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_id, acquisition_id, phase),
  UNIQUE (alert_id, version)
);

-- A webhook that wants the area's alert changes at or above a confidence, of some kinds (NULL: all).
CREATE TABLE notify_subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  area_id text NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
  webhook_url text NOT NULL,
  secret text NOT NULL,                           -- HMAC-SHA256 key of X-Driftwatch-Signature (hex)
  min_confidence text NOT NULL DEFAULT 'low' CHECK (min_confidence IN ('low', 'high', 'highest')),
  kinds text[],
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One event for one subscription and one alert change: the exact body POSTed (signed as sent), and how
-- its delivery went. Removing a subscription removes its deliveries.
CREATE TABLE notify_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES notify_subscriptions (id) ON DELETE CASCADE,
  change_id bigint NOT NULL REFERENCES alert_changes (id) ON DELETE CASCADE,
  event_id text NOT NULL,                         -- alert/<id>/v<version>, also the X-Driftwatch-Event header
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- POSTs tried (the activity's attempt number)
  response_code integer,                          -- HTTP status of the last attempt; NULL when none came back
  last_error text,                                -- why the last attempt failed
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (subscription_id, change_id)
);

CREATE INDEX notify_deliveries_open ON notify_deliveries (status) WHERE status IN ('pending', 'retrying');

-- The grid cells a before/after tile shows (west column, north row, columns, rows: src/pipeline/mosaic-box.ts),
-- so the viewer draws the alert's outline over the tile where it lies; NULL for heat-maps and older tiles.
ALTER TABLE alert_evidence
  ADD COLUMN cell_box integer[] CHECK (cell_box IS NULL OR array_length(cell_box, 1) = 4);
