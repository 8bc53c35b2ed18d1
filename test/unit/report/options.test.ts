import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTime, resolveCaseStudy, nameTime, splitVariable } from '../../../libs/pipeline/report/index.js';
import { FileAccessError, InvalidArgumentError } from '../../../libs/contracts/errors.js';

function archive(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-report-opts-'));
  mkdirSync(path.join(dir, 'forecasts'));
  mkdirSync(path.join(dir, 'truth'));
  writeFileSync(path.join(dir, 'forecasts', '20160215T00Z.nc'), '');
  writeFileSync(path.join(dir, 'truth', '20160217T00Z.nc'), '');
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      events: [{ name: 'Cyclone Ulla-TB', start: '2016-02-15', end: '2016-02-20', bbox: [298, 36, 12, 64] }],
    }),
  );
  return dir;
}

describe('case-study options', () => {
  test('an event gives its box (over the 0° meridian) and whole-day window', () => {
    const r = resolveCaseStudy({
      data: archive(),
      event: 'cyclone ulla-tb',
      variable: 't850',
      model: 'emos',
      out: '/tmp/x',
    });
    expect(r.bbox).toEqual({ west: 298, south: 36, east: 372, north: 64 });
    expect(r.from).toBe(Date.UTC(2016, 1, 15) / 1000);
    expect(r.to).toBe(Date.UTC(2016, 1, 20, 23, 59, 59) / 1000);
    expect(r.forecastFiles.map((f) => path.basename(f))).toEqual(['20160215T00Z.nc']);
  });
  test('bad requests are typed errors naming the problem', () => {
    const data = archive();
    const base = { data, variable: 't850', model: 'emos', out: '/tmp/x' };
    expect(() => resolveCaseStudy({ ...base, event: 'Nope' })).toThrow(/no event "Nope".*Cyclone Ulla-TB/);
    expect(() => resolveCaseStudy({ ...base, event: 'Cyclone Ulla-TB', bbox: '0,0,1,1' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => resolveCaseStudy({ ...base, from: '2016-02-20', to: '2016-02-01' })).toThrow(/before/);
    expect(() => resolveCaseStudy({ ...base, from: 'yesterday' })).toThrow(/not an ISO date/);
    expect(() => resolveCaseStudy({ ...base, members: 1 })).toThrow(/--members/);
    expect(() => resolveCaseStudy({ ...base, data: '/no/such/dir' })).toThrow(FileAccessError);
    expect(() => resolveCaseStudy({ variable: 't', model: 'emos', out: '/tmp/x' })).toThrow(
      /no forecast files/,
    );
  });
  test('times, file-name stamps and variable names', () => {
    expect(parseTime('2017-06-04T15:00', false, 'x')).toBe(Date.UTC(2017, 5, 4, 15) / 1000);
    expect(nameTime('/a/20170604T0300Z-PT0012H-temperature_at_screen_level.nc')).toBe(
      Date.UTC(2017, 5, 4, 3) / 1000,
    );
    expect(nameTime('/a/20160215T00Z.nc')).toBe(Date.UTC(2016, 1, 15) / 1000);
    expect(nameTime('forecast.nc')).toBeNull();
    expect(splitVariable('t850')).toEqual({ variable: 't', level: 850 });
    expect(splitVariable('air_temperature')).toEqual({ variable: 'air_temperature' });
  });
});
