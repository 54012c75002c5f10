-- Evidence bytes in the database (src/store/db-evidence-store.ts), so that workers on different machines
-- share nothing but Postgres and Temporal: the embed worker stores chip renderings here and the I/O
-- worker reads them back to compose alert tiles; the viewer serves them. Content-addressed like
-- evidence_files, whose row (media type, size, file name) each blob belongs to. Files written before
-- this migration stay under the old evidence folder at evidence_files.path until the store first reads
-- them and imports their bytes here (docs/evidence.md).
CREATE TABLE evidence_blobs (
  sha256 text PRIMARY KEY REFERENCES evidence_files (sha256) ON DELETE CASCADE,
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
