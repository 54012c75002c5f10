/**
 * The CRS of a GeoTIFF from its GeoKeys (as geotiff.js's `getGeoKeys()` names them): an EPSG code when
 * ProjectedCSTypeGeoKey or GeographicTypeGeoKey holds one, otherwise a proj4 string built from the
 * user-defined keys (ProjectedCSTypeGeoKey 32767 with ProjCoordTransGeoKey and its parameters,
 * ProjLinearUnitsGeoKey, and the ellipsoid / datum keys of the geographic base).
 *
 * Written here rather than taken from `geotiff-geokeys-to-proj4`: that package asks for maintainers and
 * carries its own EPSG tables (last updated 2024-04), while EPSG codes here come from `epsg-index`; what
 * is left, the user-defined keys, is this short table of the GeoTIFF 1.1 coordinate transformations.
 */
import { CrsError } from '../errors.ts';
import { epsgDefinition, type CrsRef } from './crs.ts';

/** GeoKeys by name, as geotiff.js returns them. */
export type GeoKeys = Record<string, unknown>;

/** GeoTIFF's "user-defined" value. */
const USER_DEFINED = 32767;

/** Linear units (EPSG unit codes) to metres. */
const LINEAR_UNITS: Readonly<Record<number, number>> = {
  9001: 1,
  9002: 0.3048,
  9003: 1200 / 3937,
  9036: 1000,
};

/**
 * EPSG method codes that GeoTIFF 1.1 writers (GDAL) may put in ProjCoordTransGeoKey, mapped onto the
 * GeoTIFF 1.0 transformation codes below.
 */
const EPSG_METHODS: Readonly<Record<number, number>> = {
  9807: 1,
  9804: 7,
  9805: 7,
  9802: 8,
  9801: 9,
  9820: 10,
  9822: 11,
  9810: 15,
  9829: 15,
  9809: 16,
  1028: 17,
  1029: 17,
  9842: 17,
};

/** Ellipsoids by EPSG code, for datums given only by GeogEllipsoidGeoKey. */
const ELLIPSOIDS: Readonly<Record<number, string>> = {
  7001: 'airy',
  7004: 'bessel',
  7008: 'clrk66',
  7019: 'GRS80',
  7022: 'intl',
  7030: 'WGS84',
  7043: 'WGS72',
};

/** The CRS the GeoKeys describe; throws CrsError naming the keys it cannot express. */
export function crsFromGeoKeys(keys: GeoKeys): CrsRef {
  const model = num(keys, 'GTModelTypeGeoKey');
  const pcs = num(keys, 'ProjectedCSTypeGeoKey');
  const gcs = num(keys, 'GeographicTypeGeoKey');
  if (pcs !== undefined && pcs > 0 && pcs !== USER_DEFINED) return pcs;
  if (pcs === USER_DEFINED || (model === 1 && pcs === undefined && hasProjectionKeys(keys))) {
    const { units, toMetre } = linearUnits(keys);
    return `${projection(keys, toMetre)} ${geographicBase(keys)} ${units} +no_defs`;
  }
  if (model === 3) throw new CrsError(`GeoKeys describe a geocentric CRS (GTModelTypeGeoKey 3)`);
  if (gcs !== undefined && gcs > 0 && gcs !== USER_DEFINED) return gcs;
  if (gcs === USER_DEFINED || (model === 2 && hasEllipsoidKeys(keys))) {
    return `+proj=longlat ${geographicBase(keys)} +no_defs`;
  }
  throw new CrsError(
    `GeoKeys name no CRS (no ProjectedCSTypeGeoKey or GeographicTypeGeoKey): the raster is not georeferenced`,
  );
}

function num(keys: GeoKeys, name: string): number | undefined {
  const v = keys[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function hasProjectionKeys(keys: GeoKeys): boolean {
  return num(keys, 'ProjCoordTransGeoKey') !== undefined || num(keys, 'ProjectionGeoKey') !== undefined;
}

function hasEllipsoidKeys(keys: GeoKeys): boolean {
  return num(keys, 'GeogSemiMajorAxisGeoKey') !== undefined || num(keys, 'GeogEllipsoidGeoKey') !== undefined;
}

/** proj4 units of the projected coordinates, and the factor from them to metres. */
function linearUnits(keys: GeoKeys): { units: string; toMetre: number } {
  const code = num(keys, 'ProjLinearUnitsGeoKey') ?? 9001;
  let toMetre: number | undefined = LINEAR_UNITS[code];
  if (code === USER_DEFINED) toMetre = num(keys, 'ProjLinearUnitSizeGeoKey');
  if (toMetre === undefined || !(toMetre > 0)) {
    throw new CrsError(
      `user-defined CRS with ProjLinearUnitsGeoKey ${code}${code === USER_DEFINED ? ' and no ProjLinearUnitSizeGeoKey' : ''} has unknown linear units`,
    );
  }
  return { units: toMetre === 1 ? '+units=m' : `+to_meter=${toMetre}`, toMetre };
}

/** The projection part of a user-defined projected CRS (false eastings converted to metres). */
function projection(keys: GeoKeys, toMetre: number): string {
  const conversion = num(keys, 'ProjectionGeoKey');
  if (conversion !== undefined && conversion !== USER_DEFINED) {
    // EPSG conversion codes 16001…16060 are UTM zones north, 16101…16160 south.
    const zone = conversion % 100;
    const band = Math.floor(conversion / 100);
    if ((band === 160 || band === 161) && zone >= 1 && zone <= 60)
      return `+proj=utm +zone=${zone}${band === 161 ? ' +south' : ''}`;
    throw new CrsError(
      `user-defined CRS with ProjectionGeoKey ${conversion} is not supported (only UTM conversions 160zz/161zz or ProjCoordTransGeoKey parameters)`,
    );
  }
  const code = num(keys, 'ProjCoordTransGeoKey');
  const ct = code === undefined ? undefined : (EPSG_METHODS[code] ?? code);
  const deg = (...names: string[]): number => {
    for (const n of names) {
      const v = num(keys, n);
      if (v !== undefined) return v;
    }
    return 0;
  };
  const metres = (...names: string[]): number => deg(...names) * toMetre;
  const scale = (name: string): number => num(keys, name) ?? 1;
  const fe = metres('ProjFalseEastingGeoKey', 'ProjFalseOriginEastingGeoKey', 'ProjCenterEastingGeoKey');
  const fn = metres('ProjFalseNorthingGeoKey', 'ProjFalseOriginNorthingGeoKey', 'ProjCenterNorthingGeoKey');
  const xy = `+x_0=${fe} +y_0=${fn}`;
  const natLat = deg('ProjNatOriginLatGeoKey');
  const natLon = deg('ProjNatOriginLongGeoKey');
  switch (ct) {
    case 1: // Transverse Mercator
      return `+proj=tmerc +lat_0=${natLat} +lon_0=${natLon} +k=${scale('ProjScaleAtNatOriginGeoKey')} ${xy}`;
    case 7: {
      // Mercator: 1SP (scale at the natural origin) or 2SP (standard parallel)
      const ts = num(keys, 'ProjStdParallel1GeoKey');
      const k = ts === undefined ? `+k=${scale('ProjScaleAtNatOriginGeoKey')}` : `+lat_ts=${ts}`;
      return `+proj=merc +lon_0=${natLon} ${k} ${xy}`;
    }
    case 8: {
      // Lambert Conic Conformal (2SP): the false origin
      const lat0 = deg('ProjFalseOriginLatGeoKey', 'ProjNatOriginLatGeoKey');
      const lon0 = deg('ProjFalseOriginLongGeoKey', 'ProjNatOriginLongGeoKey');
      return `+proj=lcc +lat_1=${deg('ProjStdParallel1GeoKey')} +lat_2=${deg('ProjStdParallel2GeoKey')} +lat_0=${lat0} +lon_0=${lon0} ${xy}`;
    }
    case 9: // Lambert Conic Conformal (1SP)
      return `+proj=lcc +lat_1=${natLat} +lat_0=${natLat} +lon_0=${natLon} +k_0=${scale('ProjScaleAtNatOriginGeoKey')} ${xy}`;
    case 10: // Lambert Azimuthal Equal Area
      return `+proj=laea +lat_0=${deg('ProjCenterLatGeoKey', 'ProjNatOriginLatGeoKey')} +lon_0=${deg('ProjCenterLongGeoKey', 'ProjNatOriginLongGeoKey')} ${xy}`;
    case 11: {
      // Albers Equal Area
      const lat0 = deg('ProjNatOriginLatGeoKey', 'ProjFalseOriginLatGeoKey', 'ProjCenterLatGeoKey');
      const lon0 = deg('ProjNatOriginLongGeoKey', 'ProjFalseOriginLongGeoKey', 'ProjCenterLongGeoKey');
      return `+proj=aea +lat_1=${deg('ProjStdParallel1GeoKey')} +lat_2=${deg('ProjStdParallel2GeoKey')} +lat_0=${lat0} +lon_0=${lon0} ${xy}`;
    }
    case 15: {
      // Polar Stereographic: latitude of true scale, or scale at the pole
      const ts = natLat;
      const k = num(keys, 'ProjScaleAtNatOriginGeoKey');
      return `+proj=stere +lat_0=${ts < 0 ? -90 : 90} +lat_ts=${ts} +lon_0=${deg('ProjStraightVertPoleLongGeoKey', 'ProjNatOriginLongGeoKey')}${k !== undefined ? ` +k=${k}` : ''} ${xy}`;
    }
    case 16: // Oblique Stereographic
      return `+proj=sterea +lat_0=${natLat} +lon_0=${natLon} +k=${scale('ProjScaleAtNatOriginGeoKey')} ${xy}`;
    case 17: // Equirectangular
      return `+proj=eqc +lat_ts=${deg('ProjStdParallel1GeoKey', 'ProjCenterLatGeoKey')} +lon_0=${deg('ProjCenterLongGeoKey', 'ProjNatOriginLongGeoKey')} ${xy}`;
    case 24: // Sinusoidal
      return `+proj=sinu +lon_0=${deg('ProjCenterLongGeoKey', 'ProjNatOriginLongGeoKey')} ${xy}`;
    default:
      throw new CrsError(
        ct === undefined
          ? 'user-defined CRS (ProjectedCSTypeGeoKey 32767) has neither ProjectionGeoKey nor ProjCoordTransGeoKey'
          : `user-defined CRS with ProjCoordTransGeoKey ${code} is not supported (supported: 1 tmerc, 7 merc, 8/9 lcc, 10 laea, 11 aea, 15 stere, 16 sterea, 17 eqc, 24 sinu, or their EPSG method codes)`,
      );
  }
}

/** The datum part (ellipsoid, towgs84, prime meridian) of a CRS's geographic base. */
function geographicBase(keys: GeoKeys): string {
  const angular = num(keys, 'GeogAngularUnitsGeoKey');
  if (angular !== undefined && angular !== 9102 && angular !== USER_DEFINED) {
    throw new CrsError(
      `user-defined CRS with GeogAngularUnitsGeoKey ${angular} is not supported (degrees only)`,
    );
  }
  const pm = num(keys, 'GeogPrimeMeridianLongGeoKey');
  const pmPart = pm ? ` +pm=${pm}` : '';
  const gcs = num(keys, 'GeographicTypeGeoKey');
  if (gcs !== undefined && gcs > 0 && gcs !== USER_DEFINED) return datumOf(epsgDefinition(gcs)) + pmPart;
  // Datum codes 6xxx name the geographic CRS 4xxx of the same datum.
  const datum = num(keys, 'GeogGeodeticDatumGeoKey');
  if (datum !== undefined && datum >= 6001 && datum <= 6999) {
    try {
      return datumOf(epsgDefinition(datum - 2000)) + pmPart;
    } catch (err) {
      if (!(err instanceof CrsError)) throw err;
      // No such geographic CRS: the ellipsoid keys below describe the datum.
    }
  }
  let ellipsoid: string;
  const a = num(keys, 'GeogSemiMajorAxisGeoKey');
  const rf = num(keys, 'GeogInvFlatteningGeoKey');
  const b = num(keys, 'GeogSemiMinorAxisGeoKey');
  const code = num(keys, 'GeogEllipsoidGeoKey');
  if (a !== undefined && rf !== undefined && rf > 0) ellipsoid = `+a=${a} +rf=${rf}`;
  else if (a !== undefined && b !== undefined) ellipsoid = `+a=${a} +b=${b}`;
  else if (code !== undefined && ELLIPSOIDS[code]) ellipsoid = `+ellps=${ELLIPSOIDS[code]}`;
  else {
    throw new CrsError(
      `user-defined CRS has no usable ellipsoid (GeogEllipsoidGeoKey ${code ?? 'absent'}, GeogSemiMajorAxisGeoKey ${a ?? 'absent'})`,
    );
  }
  const towgs = keys.GeogTOWGS84GeoKey;
  const shift =
    towgs && typeof towgs === 'object'
      ? Object.values(towgs as Record<string, unknown>).filter((v): v is number => typeof v === 'number')
      : [];
  return `${ellipsoid}${shift.length === 3 || shift.length === 7 ? ` +towgs84=${shift.join(',')}` : ''}${pmPart}`;
}

/** The datum parameters of a geographic CRS's proj4 string (everything but +proj, +no_defs, +type). */
function datumOf(def: string): string {
  return def
    .split(/\s+/)
    .filter((p) => p && !/^\+(proj|no_defs|type|units|axis)\b/.test(p))
    .join(' ');
}
