-- The area's fusion window (src/detect/sensor-fusion.ts): days within which an optical and a radar look of
-- a chip are compared, so that agreement raises confidence. `area add --fusion-days` sets it; monitoring
-- and assessment of the area use it unless a run or schedule names its own window.
ALTER TABLE areas
  ADD COLUMN fusion_days integer NOT NULL DEFAULT 3 CHECK (fusion_days BETWEEN 0 AND 60);
