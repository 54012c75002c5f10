-- Confirmation of alerts over later looks (src/detect/confirmation.ts): an alert is provisional on its
-- first anomalous look, confirmed when enough of the next clear looks of its chips agree, dismissed when
-- they cannot. first_seen stays the first detection.
ALTER TABLE alerts
  ADD COLUMN confirmation text NOT NULL DEFAULT 'provisional'
    CHECK (confirmation IN ('provisional', 'confirmed', 'dismissed')),
  ADD COLUMN clear_looks integer NOT NULL DEFAULT 0 CHECK (clear_looks >= 0),     -- clear looks since the first
  ADD COLUMN agreeing_looks integer NOT NULL DEFAULT 0 CHECK (agreeing_looks >= 0), -- of those, looks that agreed
  ADD COLUMN confirmed_at timestamptz,                                            -- look that confirmed it
  ADD COLUMN last_look_acquisition_id bigint REFERENCES acquisitions (id);        -- last look counted (idempotence)
