-- Views for users' SQL on embedding history (documented in docs/sql.md).

-- Every observation of every chip with its detection signals, one row per chip, acquisition and model.
CREATE VIEW chip_history AS
SELECT c.area_id, c.key AS chip_key, c.id AS chip_id, a.id AS acquisition_id, a.datetime, a.item_id,
       o.valid_fraction, o.usable, e.model_id,
       s.drift, s.drift_z, s.score, s.signals ->> 'kind' AS kind, s.signals ->> 'confidence' AS confidence
  FROM observations o
  JOIN chips c ON c.id = o.chip_id
  JOIN acquisitions a ON a.id = o.acquisition_id
  LEFT JOIN embeddings e ON e.chip_id = o.chip_id AND e.acquisition_id = o.acquisition_id
  LEFT JOIN chip_signals s ON s.chip_id = o.chip_id AND s.acquisition_id = o.acquisition_id AND s.model_id = e.model_id;

-- Drift of each chip between consecutive embedded acquisitions (cosine distance to the previous one).
CREATE VIEW chip_drift AS
SELECT c.area_id, c.key AS chip_key, e.chip_id, e.model_id, a.datetime, e.acquisition_id,
       e.embedding <=> lag(e.embedding) OVER w AS drift_from_previous,
       lag(a.datetime) OVER w AS previous_datetime
  FROM embeddings e
  JOIN chips c ON c.id = e.chip_id
  JOIN acquisitions a ON a.id = e.acquisition_id
WINDOW w AS (PARTITION BY e.chip_id, e.model_id ORDER BY a.datetime);

-- The k stored embeddings (any chip, any date, same model) nearest to one chip's embedding at one acquisition.
CREATE FUNCTION nearest_chips(p_area text, p_chip_key text, p_acquisition_id bigint, p_k integer DEFAULT 10)
RETURNS TABLE (chip_key text, acquisition_id bigint, datetime timestamptz, model_id text, distance double precision)
LANGUAGE sql STABLE AS $$
  SELECT c2.key, e2.acquisition_id, a2.datetime, e2.model_id, e2.embedding <=> q.embedding
    FROM embeddings q
    JOIN chips c ON c.id = q.chip_id AND c.area_id = p_area AND c.key = p_chip_key
    JOIN embeddings e2 ON e2.model_id = q.model_id AND NOT (e2.chip_id = q.chip_id AND e2.acquisition_id = q.acquisition_id)
    JOIN chips c2 ON c2.id = e2.chip_id
    JOIN acquisitions a2 ON a2.id = e2.acquisition_id
   WHERE q.acquisition_id = p_acquisition_id
   ORDER BY e2.embedding <=> q.embedding
   LIMIT p_k
$$;

-- Alerts with their evidence files (one row per evidence file).
CREATE VIEW alert_evidence_files AS
SELECT al.id AS alert_id, al.area_id, al.kind, al.confidence, al.score, al.first_seen, al.last_seen,
       ae.acquisition_id, ae.kind AS evidence_kind, f.sha256, f.path, f.media_type
  FROM alerts al
  JOIN alert_evidence ae ON ae.alert_id = al.id
  JOIN evidence_files f ON f.sha256 = ae.sha256;
