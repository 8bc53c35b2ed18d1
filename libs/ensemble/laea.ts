/**
 * Lambert azimuthal equal-area projection on the ellipsoid (Snyder 1987, "Map Projections — A Working
 * Manual", USGS PP 1395, eqs. 3-11..3-18, 24-10..24-30): forward (lat, lon → x, y) and inverse (x, y → lat,
 * lon) in projected metres and geodetic degrees. Used for MOGREPS-UK's grid (CF grid_mapping
 * `lambert_azimuthal_equal_area`).
 */
export interface LaeaParams {
  latitudeOfOrigin: number;
  longitudeOfOrigin: number;
  semiMajor: number;
  semiMinor: number;
  falseEasting: number;
  falseNorthing: number;
}

const RAD = Math.PI / 180;

function attrNum(v: unknown, fallback: number): number {
  const x = Array.isArray(v) ? Number(v[0]) : Number(v);
  return Number.isFinite(x) ? x : fallback;
}

/** Parameters from CF grid-mapping attributes (CF-1.8 Appendix F; earth_radius for a sphere). */
export function laeaParamsFromAttrs(gm: Record<string, unknown>): LaeaParams {
  const semiMajor = attrNum(gm.semi_major_axis ?? gm.earth_radius, 6371229);
  return {
    latitudeOfOrigin: attrNum(gm.latitude_of_projection_origin, 0),
    longitudeOfOrigin: attrNum(gm.longitude_of_projection_origin, 0),
    semiMajor,
    semiMinor: attrNum(gm.semi_minor_axis, semiMajor),
    falseEasting: attrNum(gm.false_easting, 0),
    falseNorthing: attrNum(gm.false_northing, 0),
  };
}

/** Constants shared by the forward and inverse projection. */
function constants(p: LaeaParams) {
  const a = p.semiMajor;
  const e2 = 1 - (p.semiMinor * p.semiMinor) / (a * a);
  const e = Math.sqrt(e2);
  // q(φ), Snyder 3-12.
  const q = (phi: number) => {
    const s = Math.sin(phi);
    if (e < 1e-10) return 2 * s; // sphere: the limit of 3-12 as e → 0
    return (1 - e2) * (s / (1 - e2 * s * s) - (1 / (2 * e)) * Math.log((1 - e * s) / (1 + e * s)));
  };
  const qp = q(Math.PI / 2);
  const rq = a * Math.sqrt(qp / 2); // 3-13
  const phi1 = p.latitudeOfOrigin * RAD;
  const beta1 = Math.asin(q(phi1) / qp); // 3-11
  const m1 = Math.cos(phi1) / Math.sqrt(1 - e2 * Math.sin(phi1) ** 2); // 14-15
  const d = (a * m1) / (rq * Math.cos(beta1)); // 24-20
  return { e2, q, qp, rq, beta1, d };
}

/** Returns a function (lat, lon) in degrees → [x, y] in projected metres (Snyder 24-17..24-20). */
export function laeaForward(p: LaeaParams): (lat: number, lon: number) => [number, number] {
  const { q, qp, rq, beta1, d } = constants(p);
  return (lat: number, lon: number) => {
    const beta = Math.asin(Math.max(-1, Math.min(1, q(lat * RAD) / qp))); // 3-11
    let dl = (lon - p.longitudeOfOrigin) * RAD;
    dl = Math.atan2(Math.sin(dl), Math.cos(dl));
    const b =
      rq *
      Math.sqrt(2 / (1 + Math.sin(beta1) * Math.sin(beta) + Math.cos(beta1) * Math.cos(beta) * Math.cos(dl))); // 24-19
    const x = b * d * Math.cos(beta) * Math.sin(dl); // 24-17
    const y = (b / d) * (Math.cos(beta1) * Math.sin(beta) - Math.sin(beta1) * Math.cos(beta) * Math.cos(dl)); // 24-18
    return [x + p.falseEasting, y + p.falseNorthing];
  };
}

/** Returns a function (x, y) → [lat, lon] in degrees. */
export function laeaInverse(p: LaeaParams): (x: number, y: number) => [number, number] {
  const { e2, rq, beta1, d } = constants(p);
  // Authalic → geodetic latitude, Snyder 3-18.
  const e4 = e2 * e2;
  const e6 = e4 * e2;
  const c2 = e2 / 3 + (31 * e4) / 180 + (517 * e6) / 5040;
  const c4 = (23 * e4) / 360 + (251 * e6) / 3780;
  const c6 = (761 * e6) / 45360;
  return (x0: number, y0: number) => {
    const x = x0 - p.falseEasting;
    const y = y0 - p.falseNorthing;
    const rho = Math.hypot(x / d, d * y); // 24-28
    if (rho === 0) return [p.latitudeOfOrigin, p.longitudeOfOrigin];
    const ce = 2 * Math.asin(rho / (2 * rq)); // 24-29
    const beta = Math.asin(Math.cos(ce) * Math.sin(beta1) + (d * y * Math.sin(ce) * Math.cos(beta1)) / rho); // 24-30
    const lam = Math.atan2(
      x * Math.sin(ce),
      d * rho * Math.cos(beta1) * Math.cos(ce) - d * d * y * Math.sin(beta1) * Math.sin(ce),
    ); // 24-26
    const phi = beta + c2 * Math.sin(2 * beta) + c4 * Math.sin(4 * beta) + c6 * Math.sin(6 * beta);
    let lon = p.longitudeOfOrigin + lam / RAD;
    if (lon > 180) lon -= 360;
    if (lon < -180) lon += 360;
    return [phi / RAD, lon];
  };
}
