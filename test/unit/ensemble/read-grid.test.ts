import { geoAzimuthalEqualArea } from 'd3-geo';
import { laeaInverse } from '../../../libs/ensemble/laea.js';

const RAD = Math.PI / 180;

/** Snyder (1987) forward ellipsoidal oblique LAEA, eqs. 24-18/24-19 — an independent check of the inverse. */
function laeaForward(
  lat: number,
  lon: number,
  lat0: number,
  lon0: number,
  a: number,
  b: number,
): [number, number] {
  const e2 = 1 - (b * b) / (a * a);
  const e = Math.sqrt(e2);
  const q = (phi: number) => {
    const s = Math.sin(phi);
    return (1 - e2) * (s / (1 - e2 * s * s) - (1 / (2 * e)) * Math.log((1 - e * s) / (1 + e * s)));
  };
  const qp = q(Math.PI / 2);
  const rq = a * Math.sqrt(qp / 2);
  const beta = Math.asin(q(lat * RAD) / qp);
  const beta1 = Math.asin(q(lat0 * RAD) / qp);
  const m1 = Math.cos(lat0 * RAD) / Math.sqrt(1 - e2 * Math.sin(lat0 * RAD) ** 2);
  const d = (a * m1) / (rq * Math.cos(beta1));
  const dl = (lon - lon0) * RAD;
  const bb =
    rq *
    Math.sqrt(2 / (1 + Math.sin(beta1) * Math.sin(beta) + Math.cos(beta1) * Math.cos(beta) * Math.cos(dl)));
  return [
    bb * d * Math.cos(beta) * Math.sin(dl),
    (bb / d) * (Math.cos(beta1) * Math.sin(beta) - Math.sin(beta1) * Math.cos(beta) * Math.cos(dl)),
  ];
}

describe('Lambert azimuthal equal-area inverse (MOGREPS-UK grid mapping)', () => {
  const mogreps = {
    latitudeOfOrigin: 54.9,
    longitudeOfOrigin: -2.5,
    semiMajor: 6378137,
    semiMinor: 6356752.314140356,
    falseEasting: 0,
    falseNorthing: 0,
  };

  test('inverts Snyder’s ellipsoidal forward projection to < 1e-6 degrees', () => {
    const inv = laeaInverse(mogreps);
    for (const [lat, lon] of [
      [50.0, -5.0],
      [51.5, -0.1],
      [54.9, -2.5],
      [58.6, -3.0],
      [49.9, -6.3],
    ]) {
      const [x, y] = laeaForward(lat, lon, 54.9, -2.5, mogreps.semiMajor, mogreps.semiMinor);
      const [la, lo] = inv(x, y);
      expect(Math.abs(la - lat)).toBeLessThan(1e-6);
      expect(Math.abs(lo - lon)).toBeLessThan(1e-6);
    }
  });

  test('on a sphere it agrees with d3-geo’s geoAzimuthalEqualArea', () => {
    const R = 6371229;
    const inv = laeaInverse({ ...mogreps, semiMajor: R, semiMinor: R });
    const d3 = geoAzimuthalEqualArea().rotate([2.5, -54.9]).scale(R).translate([0, 0]);
    for (const [x, y] of [
      [-358000, -636000],
      [40000, -238000],
      [100000, 300000],
    ]) {
      const [lon, lat] = d3.invert!([x, -y])!; // d3's y axis points down
      const [la, lo] = inv(x, y);
      expect(Math.abs(la - lat)).toBeLessThan(1e-9);
      expect(Math.abs(lo - lon)).toBeLessThan(1e-9);
    }
  });
});
