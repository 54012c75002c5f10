-- Passes and local source paths.

-- An acquisition may be a pass of several items of one source (tiles of one scene, two MGRS tiles of one
-- datatake): `items` holds them as the imagery layer describes them, oldest first; NULL for one item.
ALTER TABLE acquisitions ADD COLUMN items jsonb;

-- Local sources were identified by their folder's last name (`local:s2`), so areas over a/s2 and b/s2
-- shared one source and the second area was linked to the first one's files. They are now identified by
-- the full path the area was registered with (`local:/data/a/s2`). Each legacy acquisition is renamed
-- after the local area whose folder holds its files (when its hrefs are URLs, the oldest area linked to
-- it). Links of other areas to it read another folder's files: they are removed with the observations,
-- embeddings, prompt scores and signals derived from them, so that those areas' next discovery finds
-- their own acquisitions. Areas registered with a relative path are left as they are (their
-- acquisitions are found again under the new id).
CREATE TEMP TABLE legacy_local_owner ON COMMIT DROP AS
WITH local_areas AS (
  SELECT id AS area_id, created_at, source ->> 'path' AS path,
         regexp_replace(source ->> 'path', '/[^/]*\.json$', '') AS folder
    FROM areas
   WHERE source ->> 'kind' = 'local' AND source ->> 'path' LIKE '/%'
),
candidates AS (
  SELECT a.id AS acquisition_id, la.area_id, la.path, la.created_at,
         EXISTS (SELECT 1 FROM jsonb_each_text(a.assets) e WHERE starts_with(e.value, la.folder || '/')) AS holds
    FROM acquisitions a
    JOIN area_acquisitions aa ON aa.acquisition_id = a.id
    JOIN local_areas la ON la.area_id = aa.area_id
   WHERE a.source NOT LIKE 'local:/%'
     AND a.source = 'local:' || regexp_replace(la.folder, '^.*/', '')
)
SELECT DISTINCT ON (acquisition_id) acquisition_id, area_id, path
  FROM candidates
 ORDER BY acquisition_id, holds DESC, created_at, area_id;

CREATE TEMP TABLE legacy_local_stray ON COMMIT DROP AS
SELECT aa.area_id, aa.acquisition_id
  FROM area_acquisitions aa JOIN legacy_local_owner o ON o.acquisition_id = aa.acquisition_id
 WHERE aa.area_id <> o.area_id;

DELETE FROM chip_signals t USING chips c, legacy_local_stray s
 WHERE t.chip_id = c.id AND c.area_id = s.area_id AND t.acquisition_id = s.acquisition_id;
DELETE FROM prompt_scores t USING chips c, legacy_local_stray s
 WHERE t.chip_id = c.id AND c.area_id = s.area_id AND t.acquisition_id = s.acquisition_id;
DELETE FROM embeddings t USING chips c, legacy_local_stray s
 WHERE t.chip_id = c.id AND c.area_id = s.area_id AND t.acquisition_id = s.acquisition_id;
DELETE FROM observations t USING chips c, legacy_local_stray s
 WHERE t.chip_id = c.id AND c.area_id = s.area_id AND t.acquisition_id = s.acquisition_id;
DELETE FROM area_acquisitions t USING legacy_local_stray s
 WHERE t.area_id = s.area_id AND t.acquisition_id = s.acquisition_id;

UPDATE acquisitions a SET source = 'local:' || o.path
  FROM legacy_local_owner o WHERE a.id = o.acquisition_id;
