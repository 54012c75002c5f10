-- History queries that stay index-driven as the embeddings table grows (docs/scaling.md).
--
-- nearest_chips() ordered by `embedding <=> q.embedding` on the untyped column, which no index covers: every
-- call read and compared every stored embedding of the model. Each model's partial HNSW index is on the
-- typed cast `embedding::halfvec(D)` (or `vector(D)`, see src/store/vectors.ts), so the function now builds
-- that expression from the model's dimension and orders by it, one index scan per model of the query
-- chip, merged and cut to k. Distances are those the index orders by (half precision where halfvec).
-- HNSW returns at most hnsw.ef_search rows per scan: for a larger k the function raises it to k + 1
-- while it runs and restores it after.
DROP FUNCTION nearest_chips(text, text, bigint, integer);

CREATE FUNCTION nearest_chips(p_area text, p_chip_key text, p_acquisition_id bigint, p_k integer DEFAULT 10)
RETURNS TABLE (chip_key text, acquisition_id bigint, datetime timestamptz, model_id text, distance double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  q record;
  typ text;
  parts text[] := '{}';
  saved text;
BEGIN
  FOR q IN
    SELECT e.chip_id, e.model_id, m.dimension
      FROM embeddings e
      JOIN chips c ON c.id = e.chip_id AND c.area_id = p_area AND c.key = p_chip_key
      JOIN models m ON m.id = e.model_id
     WHERE e.acquisition_id = p_acquisition_id
     ORDER BY e.model_id
  LOOP
    typ := CASE WHEN to_regtype('halfvec') IS NOT NULL AND q.dimension <= 4000
                THEN format('halfvec(%s)', q.dimension) ELSE format('vector(%s)', q.dimension) END;
    parts := parts || format(
      -- The query vector as a scalar subquery (an init plan, a constant to the index scan): a joined
      -- column would not let the HNSW index order the rows.
      $q$(SELECT e2.chip_id, e2.acquisition_id, e2.model_id,
                 (e2.embedding::%1$s) <=> (SELECT embedding::%1$s FROM embeddings
                                            WHERE chip_id = %2$s AND acquisition_id = $1 AND model_id = %3$L) AS distance
            FROM embeddings e2
           WHERE e2.model_id = %3$L AND NOT (e2.chip_id = %2$s AND e2.acquisition_id = $1)
           ORDER BY distance
           LIMIT $2)$q$,
      typ, q.chip_id, q.model_id);
  END LOOP;
  IF cardinality(parts) = 0 OR p_k <= 0 THEN
    RETURN;
  END IF;
  PERFORM vector_dims('[1]'::vector); -- loads pgvector, which defines hnsw.ef_search
  saved := current_setting('hnsw.ef_search', true);
  IF saved IS NOT NULL AND p_k >= saved::integer THEN
    PERFORM set_config('hnsw.ef_search', least(p_k + 1, 1000)::text, true);
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT c2.key, n.acquisition_id, a2.datetime, n.model_id, n.distance
       FROM (%s) n
       JOIN chips c2 ON c2.id = n.chip_id
       JOIN acquisitions a2 ON a2.id = n.acquisition_id
      ORDER BY n.distance, c2.key, n.acquisition_id, n.model_id
      LIMIT $2', array_to_string(parts, ' UNION ALL '))
    USING p_acquisition_id, p_k;
  IF saved IS NOT NULL THEN
    PERFORM set_config('hnsw.ef_search', saved, true);
  END IF;
END $$;

-- chip_drift partitioned its window by chip and model only, so a filter on area_id or chip_key (the usual
-- way to read it) could not be pushed below the window: every query computed the drift of every stored
-- embedding of every area first. A chip belongs to one area and has one key, so adding them to the
-- partition changes no row, and lets the planner apply those filters first (chips by area, embeddings by
-- the primary key's leading chip_id).
CREATE OR REPLACE VIEW chip_drift AS
SELECT c.area_id, c.key AS chip_key, e.chip_id, e.model_id, a.datetime, e.acquisition_id,
       e.embedding <=> lag(e.embedding) OVER w AS drift_from_previous,
       lag(a.datetime) OVER w AS previous_datetime
  FROM embeddings e
  JOIN chips c ON c.id = e.chip_id
  JOIN acquisitions a ON a.id = e.acquisition_id
WINDOW w AS (PARTITION BY c.area_id, c.key, e.chip_id, e.model_id ORDER BY a.datetime);
