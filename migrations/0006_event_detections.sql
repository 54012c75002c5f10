-- Post-event assessment (src/pipeline/detect-event.ts): each chip of a post-event acquisition compared
-- with the same chip in one pre-event reference acquisition by the pair detector. One row per chip and
-- pair of acquisitions, so a rerun of the same assessment rewrites the same rows.
CREATE TABLE event_detections (
  chip_id bigint NOT NULL REFERENCES chips (id) ON DELETE CASCADE,
  pre_acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  post_acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  usable boolean NOT NULL,                      -- both looks had enough valid pixels
  score double precision NOT NULL,              -- the pair detector's score in [0, 1]
  kind text NOT NULL,                           -- flood, burn, vegetation-loss, construction, change
  confidence text CHECK (confidence IN ('low', 'high', 'highest')), -- null below the threshold
  changed_fraction double precision,            -- share of valid pixels beyond the scene's change threshold
  evidence jsonb NOT NULL DEFAULT '{}',         -- per-chip evidence, strengths and signals
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chip_id, pre_acquisition_id, post_acquisition_id)
);
CREATE INDEX event_detections_post ON event_detections (post_acquisition_id);
