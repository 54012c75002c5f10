/** The imagery side of driftwatch: areas, sources, COG reading, the stable chip grid and chips. */
export {
  parseArea,
  type AreaGeometry,
  type AreaOptions,
  type MultiPolygonGeometry,
  type PolygonGeometry,
  type Position,
  type ValidArea,
} from './area.ts';
export {
  chipKey,
  cellSize,
  CHIP_PX_RANGE,
  gridCell,
  gridCellsForArea,
  lonLatBounds,
  DEFAULT_CHIP_PX,
  DEFAULT_RESOLUTION_M,
  type GridCell,
  type GridSpec,
  validChipPx,
} from './grid.ts';
export {
  utmEpsg,
  utmZone,
  transformer,
  transformBounds,
  transformOutline,
  parseEpsg,
  crsId,
  epsgOf,
  describeCrs,
  type CrsRef,
} from './crs.ts';
export { crsFromGeoKeys, type GeoKeys } from './geokeys.ts';
export { nativeResolutionM } from './native-resolution.ts';
export { rasterFootprint } from './footprint.ts';
export {
  HINTS,
  type Acquisition,
  type ImagerySource,
  type SearchOptions,
  type SearchQuery,
  type PassConfig,
  type SourceConfig,
} from './source.ts';
export { openSource } from './open-source.ts';
export { StacApiSource, type StacApiOptions } from './stac-api-source.ts';
export { LocalSource, datetimeFromName, localSourceId } from './local-source.ts';
export { groupPasses, passItems, platformOf, DEFAULT_PASS_WINDOW_HOURS } from './passes.ts';
export { parseSidecar, sidecarScaling, type Sidecar } from './sidecar.ts';
export { sentinel2Offset, processingBaseline, BASELINE_04_START, BASELINE_04_OFFSET } from './l2a-offset.ts';
export { itemToAcquisition, type Preset } from './stac-item.ts';
export { planetaryComputerSigner, sasToken } from './planetary-computer.ts';
export { readChips, INVALID_SCL, type ChipOptions } from './chips.ts';
export { renderRgb, stretchReflectance, RGB_GAMMA, RGB_MAX_REFLECTANCE } from './render.ts';
export {
  openRaster,
  type BandScaling,
  type OpenRasterOptions,
  type PartOptions,
  type RasterInfo,
  type RasterReader,
} from './raster-reader.ts';
export {
  openByteSource,
  BlockCache,
  FileByteSource,
  HttpByteSource,
  type ByteSource,
  type UrlSigner,
} from './byte-source.ts';
export { httpStats, DEFAULT_HTTP, type HttpOptions } from './http.ts';
export { DEFAULT_BANDS, normalizeBandName } from './band-names.ts';
export { parseScale, readImageFile, type ScaleRule } from './image-file.ts';
export {
  pairSetFolders,
  readPair,
  readPairMeta,
  subfolders,
  type Pair,
  type PairMeta,
} from './pair-folder.ts';
export { findSeries, type SeriesLabel, type SeriesSource } from './series-folder.ts';
export type { Chip } from './chip.ts';
export type { Bbox, ImageValue, RgbImage } from './image.ts';
export type { Resampling } from './warp.ts';
