-- Alerts as products: per-pixel change masks of post-event assessment, alert outlines and the minimum
-- mapping unit (src/pipeline/alert-extent.ts).

-- Groups of changed pixels smaller than this many hectares make no alert and no polygon.
ALTER TABLE areas
  ADD COLUMN mmu_ha double precision NOT NULL DEFAULT 0.1 CHECK (mmu_ha >= 0);

-- The pair detector's per-pixel mask of the chip (src/detect/mask-codes.ts: 0 unchanged, 1 change, 2 new
-- water, 3 vegetation loss, 4 built-up gain, 5–8 burnt by USGS dNBR class low … high, 255 invalid),
-- run-length encoded (src/detect/mask-rle.ts). NULL for rows written before this migration.
ALTER TABLE event_detections ADD COLUMN mask bytea;

-- alerts.geometry now holds a MultiPolygon (lon/lat): the changed pixels of assessment alerts, the union
-- of the chips' squares of monitoring alerts (geometry_source says which). bbox is its west, south, east,
-- north; for alerts written before this migration, the bounds of their chips.
ALTER TABLE alerts
  ADD COLUMN geometry_source text CHECK (geometry_source IN ('pixels', 'chips')),
  ADD COLUMN bbox double precision[] CHECK (bbox IS NULL OR array_length(bbox, 1) = 4),
  ADD COLUMN burn_severity_km2 jsonb;             -- burn alerts from pixels: USGS dNBR class -> km²

UPDATE alerts al SET bbox = b.bbox
  FROM (SELECT al2.id, ARRAY[min(c.lonlat_bounds[1]), min(c.lonlat_bounds[2]),
                             max(c.lonlat_bounds[3]), max(c.lonlat_bounds[4])] AS bbox
          FROM alerts al2 JOIN chips c ON c.area_id = al2.area_id AND c.key = ANY(al2.chip_keys)
         GROUP BY al2.id) b
 WHERE al.id = b.id;

CREATE INDEX alerts_last_seen ON alerts (last_seen);
