import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataError, MismatchError } from '../../../libs/contracts/errors.js';
import { pairSites, selectMembers } from '../../../libs/sites/pairing.js';
import {
  readImproverSpotForecasts,
  readSiteForecast,
  readSiteObservations,
  readSiteObservationsCsv,
} from '../../../libs/sites/read.js';
import type { SiteForecast } from '../../../libs/sites/types.js';
import { describeRealData, realFile, realSiteFile } from '../../helpers/realData.js';

const ARCHIVES = [
  ['ecmwf-frankfurt-precip', 'precipitation_amount', 2896, 1, 51, 'kg m-2'],
  ['gefs-innsbruck-tmin', 'air_temperature', 2400, 1, 11, 'degC'],
  ['gefs-innsbruck-precip', 'precipitation_amount', 2400, 1, 11, 'kg m-2'],
  ['uwme-pnw-t2m', 'air_temperature', 52, 969, 8, 'K'],
] as const;

describeRealData('site archives (CF timeSeries)', () => {
  test.each(ARCHIVES)(
    '%s: forecast, NetCDF and CSV observations read and pair identically',
    async (dir, variable, T, S, M, units) => {
      const f = await readSiteForecast(realSiteFile(`${dir}/forecast.nc`), variable);
      expect([f.times.length, f.stations.id.length, f.members.length, f.units]).toEqual([T, S, M, units]);
      expect(f.data.length).toBe(T * S * M);
      const nc = await readSiteObservations(realSiteFile(`${dir}/observation.nc`), variable, f.units);
      const csv = await readSiteObservations(realSiteFile(`${dir}/observation.csv`), variable, f.units);
      const all = [...f.members.keys()];
      const a = pairSites(f, nc, all);
      const b = pairSites(f, csv, all);
      expect(a.n).toBeGreaterThan(0);
      expect(b.n).toBe(a.n);
      for (let i = 0; i < 50; i++) expect(b.obs[i]).toBeCloseTo(a.obs[i], 4);
      const missing = a.skipped.missingForecast + a.skipped.missingObservation + a.skipped.noObservationTime;
      expect(a.n + missing).toBe(T * S);
      if (dir === 'ecmwf-frankfurt-precip')
        expect(Object.keys(f.extras)).toEqual(['precipitation_amount_hres']);
      if (dir === 'uwme-pnw-t2m') expect(missing).toBeGreaterThan(0); // the US set has gaps; they are counted
    },
  );

  test('IMPROVER spot files: 3 times × 121 sites × 3 realizations, ordered by time', async () => {
    const dir = 'improver_test_data/estimate-emos-coefficients/normal/sites/history';
    const days = ['20201211', '20201209', '20201210'];
    const f = await readImproverSpotForecasts(
      days.map((d) => realFile(`${dir}/${d}T1500Z-PT0012H00M-temperature_at_screen_level.nc`)),
      'air_temperature',
    );
    expect([f.times.length, f.stations.id.length, f.members.length, f.units]).toEqual([3, 121, 3, 'K']);
    expect(f.times[1] - f.times[0]).toBe(86400);
    expect(f.stations.id[0]).toMatch(/^\d+$/);
  });

  test('observations in degC are converted to a forecast in K', async () => {
    const f = await readSiteForecast(realSiteFile('gefs-innsbruck-tmin/forecast.nc'), 'air_temperature');
    const obs = await readSiteObservations(
      realSiteFile('gefs-innsbruck-tmin/observation.nc'),
      'air_temperature',
      f.units,
    );
    const inK: SiteForecast = { ...f, units: 'K', data: f.data.map((x) => x + 273.15) };
    const a = pairSites(f, obs, [0]);
    const b = pairSites(inK, obs, [0]);
    expect(b.obs[0]).toBeCloseTo(a.obs[0] + 273.15, 4);
  });
});

describe('site pairing with gaps and bad input', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'epp-sites-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const forecast = (): SiteForecast => ({
    source: 'f.nc',
    variable: 'air_temperature',
    units: 'degC',
    stations: {
      id: ['A', 'B'],
      latitude: new Float64Array(2),
      longitude: new Float64Array(2),
      altitude: new Float64Array(2),
    },
    times: Float64Array.from([0, 86400, 172800]),
    members: [0, 1, 2],
    // [time, station, member]; time 1 station B has a missing member.
    data: Float32Array.from([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, NaN, 6, 1, 2, 3, 4, 5, 6]),
    extras: {},
  });

  test('missing forecast members, missing observations and missing times are skipped and counted', () => {
    const csv = path.join(dir, 'obs.csv');
    writeFileSync(
      csv,
      'station_id,time,air_temperature [K]\nA,1970-01-01T00:00:00Z,274.15\nB,1970-01-01T00:00:00Z,\nA,1970-01-02T00:00:00Z,275.15\nB,1970-01-02T00:00:00Z,276.15\n',
    );
    const obs = readSiteObservationsCsv(csv, 'air_temperature', 'degC');
    expect(obs.units).toBe('K');
    const p = pairSites(forecast(), obs, [0, 1, 2]);
    expect(p.n).toBe(2);
    expect(Array.from(p.obs)).toEqual([expect.closeTo(1, 4), expect.closeTo(2, 4)]);
    expect(p.skipped).toEqual({ missingForecast: 1, missingObservation: 1, noObservationTime: 2 });
    // With only the first two members, time 1 station B is usable.
    expect(pairSites(forecast(), obs, [0, 1]).n).toBe(2 + 0);
  });

  test('a forecast station missing from the observations is a MismatchError naming the file and station', () => {
    const csv = path.join(dir, 'obsA.csv');
    writeFileSync(csv, 'station_id,time,air_temperature\nA,1970-01-01T00:00:00Z,1\n');
    const obs = readSiteObservationsCsv(csv, 'air_temperature', 'degC');
    expect(() => pairSites(forecast(), obs, [0])).toThrow(MismatchError);
    expect(() => pairSites(forecast(), obs, [0])).toThrow(
      /obsA\.csv: variable 'station_id' has no station 'B'/,
    );
  });

  test('duplicated observation rows and unconvertible units are typed errors', () => {
    const dup = path.join(dir, 'dup.csv');
    writeFileSync(
      dup,
      'station_id,time,air_temperature\nA,1970-01-01T00:00:00Z,1\nA,1970-01-01T00:00:00Z,2\n',
    );
    expect(() => readSiteObservationsCsv(dup, 'air_temperature', 'degC')).toThrow(DataError);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(
      bad,
      'station_id,time,air_temperature [m s-1]\nA,1970-01-01T00:00:00Z,1\nB,1970-01-01T00:00:00Z,1\n',
    );
    const obs = readSiteObservationsCsv(bad, 'air_temperature', 'degC');
    expect(() => pairSites(forecast(), obs, [0])).toThrow(
      /bad\.csv: variable 'air_temperature': units 'm s-1' cannot be converted to 'degC'/,
    );
  });

  test('more members than the file holds is a MismatchError naming the file', () => {
    expect(() => selectMembers(forecast(), 4)).toThrow(
      /f\.nc: variable 'air_temperature' has 3 realizations, fewer than the 4/,
    );
    expect(selectMembers(forecast(), [2, 0])).toEqual([2, 0]);
  });
});
