-- The dates of the imagery an evidence tile shows. A "before" tile shows earlier acquisitions than the
-- one that raised or updated the alert (alert_evidence.acquisition_id), possibly several when its cells
-- were clearest on different dates: imaged_from and imaged_to are the earliest and latest of them.
-- NULL for tiles written before this migration, whose dates were not recorded.
ALTER TABLE alert_evidence
  ADD COLUMN imaged_from timestamptz,
  ADD COLUMN imaged_to timestamptz;

CREATE OR REPLACE VIEW alert_evidence_files AS
SELECT al.id AS alert_id, al.area_id, al.kind, al.confidence, al.score, al.first_seen, al.last_seen,
       ae.acquisition_id, ae.kind AS evidence_kind, f.sha256, f.path, f.media_type,
       ae.imaged_from, ae.imaged_to
  FROM alerts al
  JOIN alert_evidence ae ON ae.alert_id = al.id
  JOIN evidence_files f ON f.sha256 = ae.sha256;
