-- driftwatch schema, first version. Every table has a natural unique key so that every write can be
-- an idempotent INSERT … ON CONFLICT.
CREATE EXTENSION IF NOT EXISTS vector;

-- Areas of interest. `epsg` is the UTM zone of the area's centroid: the chip grid lives in it.
CREATE TABLE areas (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]*$'),
  name text NOT NULL,
  geometry jsonb NOT NULL,                      -- GeoJSON Polygon or MultiPolygon, lon/lat
  bbox double precision[] NOT NULL CHECK (array_length(bbox, 1) = 4), -- west, south, east, north
  epsg integer NOT NULL,
  chip_px integer NOT NULL DEFAULT 256 CHECK (chip_px > 0),
  resolution_m double precision NOT NULL DEFAULT 10 CHECK (resolution_m > 0),
  source jsonb NOT NULL DEFAULT '{}',           -- where its acquisitions come from
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One acquisition = one item of a source (a scene at a datetime).
CREATE TABLE acquisitions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text NOT NULL,                         -- e.g. earth-search, planetary-computer, local:<name>
  item_id text NOT NULL,
  datetime timestamptz NOT NULL,
  cloud_cover double precision,
  epsg integer,
  assets jsonb NOT NULL,                        -- band name -> href
  properties jsonb NOT NULL DEFAULT '{}',
  UNIQUE (source, item_id)
);
CREATE INDEX acquisitions_datetime ON acquisitions (datetime);

-- Which acquisitions an area has seen, and what became of each.
CREATE TABLE area_acquisitions (
  area_id text NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
  error text,
  error_type text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (area_id, acquisition_id)
);

-- Chips: cells of the area's stable grid. key = EPSG:<code>/<cell metres>/<col>/<row>.
CREATE TABLE chips (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  area_id text NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
  key text NOT NULL,
  epsg integer NOT NULL,
  col integer NOT NULL,
  "row" integer NOT NULL,
  bounds double precision[] NOT NULL,           -- minx, miny, maxx, maxy in EPSG:<epsg>
  lonlat_bounds double precision[] NOT NULL,    -- west, south, east, north
  UNIQUE (area_id, key)
);

-- What one acquisition showed of one chip.
CREATE TABLE observations (
  chip_id bigint NOT NULL REFERENCES chips (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  valid_fraction double precision NOT NULL CHECK (valid_fraction BETWEEN 0 AND 1),
  usable boolean NOT NULL,                      -- valid_fraction >= the configured minimum
  stats jsonb NOT NULL DEFAULT '{}',            -- spectral index means etc. (ndvi, nbr, mndwi, …)
  rgb_sha256 text,                              -- true-colour PNG of the chip in evidence_files
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chip_id, acquisition_id)
);

-- Embedding models. One embeddings table serves all of them; `dimension` is enforced by a trigger.
CREATE TABLE models (
  id text PRIMARY KEY,
  dimension integer NOT NULL CHECK (dimension > 0),
  manifest jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE embeddings (
  chip_id bigint NOT NULL REFERENCES chips (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  model_id text NOT NULL REFERENCES models (id),
  embedding vector NOT NULL,                    -- untyped: each model has a partial HNSW index on a cast
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chip_id, acquisition_id, model_id)
);

CREATE FUNCTION embeddings_check_dimension() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  expected integer;
BEGIN
  SELECT dimension INTO expected FROM models WHERE id = NEW.model_id;
  IF expected IS NULL THEN
    RAISE EXCEPTION 'unknown model "%"', NEW.model_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF vector_dims(NEW.embedding) <> expected THEN
    RAISE EXCEPTION 'embedding for model "%" has dimension %, expected %', NEW.model_id,
      vector_dims(NEW.embedding), expected USING ERRCODE = 'data_exception';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER embeddings_dimension BEFORE INSERT OR UPDATE ON embeddings
  FOR EACH ROW EXECUTE FUNCTION embeddings_check_dimension();

-- Prompt scores (probabilities in [0, 1]) of a chip in an acquisition.
CREATE TABLE prompt_scores (
  chip_id bigint NOT NULL REFERENCES chips (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  model_id text NOT NULL REFERENCES models (id),
  prompt text NOT NULL,
  score double precision NOT NULL,
  PRIMARY KEY (chip_id, acquisition_id, model_id, prompt)
);

-- Per-chip detection results against the baseline, one row per chip, acquisition and model.
CREATE TABLE chip_signals (
  chip_id bigint NOT NULL REFERENCES chips (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  model_id text NOT NULL REFERENCES models (id),
  drift double precision,                       -- cosine distance to the baseline
  drift_z double precision,                     -- drift normalised by the chip's own variability
  score double precision NOT NULL,              -- combined score in [0, 1]
  signals jsonb NOT NULL DEFAULT '{}',          -- spectral evidence, prompt deltas, …
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chip_id, acquisition_id, model_id)
);

-- Content-addressed evidence files (PNG tiles, HTML). `path` is relative to the evidence folder.
CREATE TABLE evidence_files (
  sha256 text PRIMARY KEY,
  media_type text NOT NULL,
  bytes integer NOT NULL,
  path text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Alerts: spatially connected clusters of changed chips. A cluster that keeps changing over successive
-- acquisitions updates its alert (same area_id, cluster_key) instead of raising a new one.
CREATE TABLE alerts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  area_id text NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
  cluster_key text NOT NULL,
  kind text NOT NULL,                           -- flood, burn, vegetation-loss, construction, change
  confidence text NOT NULL CHECK (confidence IN ('low', 'high', 'highest')),
  score double precision NOT NULL,
  chip_keys text[] NOT NULL,
  area_km2 double precision NOT NULL,
  geometry jsonb,                               -- GeoJSON of the cluster, lon/lat
  prompts jsonb NOT NULL DEFAULT '{}',          -- prompt -> score that fired
  first_acquisition_id bigint NOT NULL REFERENCES acquisitions (id),
  last_acquisition_id bigint NOT NULL REFERENCES acquisitions (id),
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (area_id, cluster_key)
);

CREATE TABLE alert_evidence (
  alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  acquisition_id bigint NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('before', 'after', 'heatmap', 'page')),
  sha256 text NOT NULL REFERENCES evidence_files (sha256),
  PRIMARY KEY (alert_id, acquisition_id, kind)
);
