import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataError, ModelError } from '../../../libs/contracts/errors.js';
import { selectBackend } from '../../../libs/model/backend.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { evaluateSiteModel } from '../../../libs/sites/evaluate.js';
import { fitSiteFiles, predictSiteFiles } from '../../../libs/sites/files.js';
import { fitSiteModel, loadSiteModel, predictSiteModel, saveSiteModel } from '../../../libs/sites/model.js';
import { pairSites } from '../../../libs/sites/pairing.js';
import { readSiteForecast, readSiteObservations } from '../../../libs/sites/read.js';
import { describeRealData, realSiteFile } from '../../helpers/realData.js';

const iso = (s: string) => Date.parse(s) / 1000;

/** The GEFS Innsbruck precipitation forecasts and their observations (in the forecasts' units). */
async function innsbruckPrecip() {
  const f = await readSiteForecast(realSiteFile('gefs-innsbruck-precip/forecast.nc'), 'precipitation_amount');
  const obs = await readSiteObservations(
    realSiteFile('gefs-innsbruck-precip/observation.nc'),
    'precipitation_amount',
    f.units,
  );
  return { f, obs };
}

describeRealData('site models: fit / predict / evaluate on a small slice', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'epp-sites-rt-'));
    await selectBackend('cpu');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('emos on Frankfurt precipitation (HRES predictor): fit, write a CF timeSeries product, read it back', async () => {
    const fc = realSiteFile('ecmwf-frankfurt-precip/forecast.nc');
    const obs = realSiteFile('ecmwf-frankfurt-precip/observation.csv');
    const out = path.join(dir, 'emos');
    const { model } = await fitSiteFiles({
      forecast: fc,
      observations: obs,
      variable: 'precipitation_amount',
      method: 'emos',
      members: 10,
      trainFrom: iso('2010-01-01'),
      trainTo: iso('2012-01-01'),
      out,
    });
    expect(model.family).toBe('censored-logistic');
    expect(model.extras).toEqual(['precipitation_amount_hres']);
    const pred = path.join(dir, 'pred.nc');
    const { prediction, hash } = await predictSiteFiles({
      model: out,
      forecast: fc,
      out: pred,
      period: { from: iso('2012-01-01'), to: iso('2012-02-01') },
    });
    expect(prediction.times.length).toBe(31);
    const ds = await openDataset(pred);
    try {
      const q = ds.readVariable('precipitation_amount');
      expect(q.dims).toEqual(['percentile', 'time', 'station']);
      expect(q.shape).toEqual([99, 31, 1]);
      for (let t = 0; t < 31; t++)
        for (let p = 1; p < 99; p++)
          expect(q.data[p * 31 + t]).toBeGreaterThanOrEqual(q.data[(p - 1) * 31 + t]);
      const pr = ds.readVariable('probability_of_precipitation_amount_above_threshold');
      expect(pr.shape).toEqual([4, 31, 1]);
      // Exceedance probabilities fall with the threshold.
      for (let t = 0; t < 31; t++) expect(pr.data[3 * 31 + t]).toBeLessThanOrEqual(pr.data[t]);
      expect(ds.attrs.epp_model_hash).toBe(`sha256:${hash}`);
      expect(ds.attrs.epp_members_used).toBe('0,1,2,3,4,5,6,7,8,9');
      expect(ds.variable('station_id').attrs.cf_role).toBe('timeseries_id');
      // The same names and labels as the grid products (libs/products), IMPROVER-style.
      const label = 'EMOS-calibrated censored-logistic distribution';
      expect(ds.variable('precipitation_amount_mean').attrs).toMatchObject({
        standard_name: 'precipitation_amount',
        cell_methods: `realization: mean (comment: ${label})`,
        long_name: `precipitation_amount mean of the ${label}`,
      });
      expect(ds.variable('precipitation_amount_std').attrs.cell_methods).toBe(
        `realization: standard_deviation (comment: ${label})`,
      );
      expect(ds.variable('threshold').attrs.spp__relative_to_threshold).toBe('greater_than');
      expect(pr.attrs).toMatchObject({ spp__relative_to_threshold: 'greater_than', units: '1' });
      expect(ds.attrs).toMatchObject({
        Conventions: 'CF-1.8',
        featureType: 'timeSeries',
        institution: 'epp ensemble post-processing service',
        epp_input_file: 'forecast.nc',
        epp_input_sha256: createHash('sha256').update(readFileSync(fc)).digest('hex'),
      });
      expect(String(ds.attrs.source)).not.toMatch(/\//);
    } finally {
      ds.close();
    }
  });

  test('drn on Innsbruck tmin (2 epochs, 1 seed): trains, evaluates and leaks no tensor', async () => {
    const f = await readSiteForecast(realSiteFile('gefs-innsbruck-tmin/forecast.nc'), 'air_temperature');
    const obs = await readSiteObservations(
      realSiteFile('gefs-innsbruck-tmin/observation.csv'),
      'air_temperature',
      f.units,
    );
    const before = tf.memory().numTensors;
    const m = fitSiteModel(f, obs, {
      method: 'drn',
      members: 6,
      trainFrom: iso('2008-01-01'),
      trainTo: iso('2011-01-01'),
      drn: { seeds: 1, maxEpochs: 2 },
    });
    const e = evaluateSiteModel(m, f, obs, { from: iso('2011-01-01'), to: iso('2012-01-01') });
    expect(tf.memory().numTensors).toBe(before);
    expect(e.pairs).toBeGreaterThan(100);
    expect(e.crps.model.mean).toBeGreaterThan(0);
    expect(e.crps.model.lo).toBeLessThanOrEqual(e.crps.model.mean);
    expect(e.crps.rawAll.fair.mean).toBeLessThan(e.crps.rawAll.standard.mean);
    expect(e.pit.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(e.crps.emosAll!.mean).toBeLessThan(e.crps.rawAll.fair.mean);
    // Reliability bins carry a day-bootstrap interval around their observed frequency.
    const populated = e.brier[0].reliability.filter((b) => b.count > 0);
    expect(populated.length).toBeGreaterThan(2);
    for (const b of populated) {
      expect(b.observedLo).toBeLessThanOrEqual(b.observed);
      expect(b.observedHi).toBeGreaterThanOrEqual(b.observed);
    }
    expect(populated.some((b) => b.observedHi - b.observedLo > 0)).toBe(true);
  });

  test('censored shifted gamma on Innsbruck precipitation: emos beats the raw ensemble, drn trains and leaks no tensor', async () => {
    const { f, obs } = await innsbruckPrecip();
    const common = {
      members: 6,
      trainFrom: iso('2007-01-01'),
      trainTo: iso('2011-01-01'),
      family: 'censored-shifted-gamma' as const,
    };
    const test = { from: iso('2011-01-01'), to: iso('2012-01-01') };
    const emos = fitSiteModel(f, obs, { ...common, method: 'emos' });
    expect(emos.family).toBe('censored-shifted-gamma');
    const shift = Math.exp(emos.emos!.pooled.at(-1)!);
    expect(shift).toBeGreaterThan(0);
    const pe = predictSiteModel(emos, f, test);
    // A censored family: some days have a 1 % quantile of exactly 0, every quantile is ≥ 0.
    expect(pe.quantiles.some((q) => q === 0)).toBe(true);
    expect(pe.quantiles.every((q) => !(q < 0))).toBe(true);
    const before = tf.memory().numTensors;
    const drn = fitSiteModel(f, obs, { ...common, method: 'drn', drn: { seeds: 1, maxEpochs: 2 } });
    const e = evaluateSiteModel(drn, f, obs, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(e.crps.model.mean).toBeLessThan(e.crps.rawAll.fair.mean);
    expect(e.crps.emosAll!.mean).toBeLessThan(e.crps.rawAll.fair.mean);
  });

  test('hurdle log-normal on Innsbruck precipitation: the logistic part matches the wet frequency, emos beats the raw ensemble, drn trains and leaks no tensor', async () => {
    const { f, obs } = await innsbruckPrecip();
    const common = {
      members: 6,
      trainFrom: iso('2007-01-01'),
      trainTo: iso('2011-01-01'),
      family: 'hurdle-lognormal' as const,
    };
    const train = { from: common.trainFrom, to: common.trainTo };
    const test = { from: iso('2011-01-01'), to: iso('2012-01-01') };
    const emos = fitSiteModel(f, obs, { ...common, method: 'emos' });
    expect(emos.family).toBe('hurdle-lognormal');
    // Maximum likelihood with an intercept: the mean fitted P(Y > 0) equals the training wet frequency.
    const pt = predictSiteModel(emos, f, train, [0]);
    const pairs = pairSites(f, obs, [0, 1, 2, 3, 4, 5], train);
    const wetFreq = pairs.obs.reduce((a, y) => a + (y > 0 ? 1 : 0), 0) / pairs.n;
    const times = Array.from(pt.times);
    const pWet = Array.from(pairs.time, (t) => pt.probabilities[times.indexOf(f.times[t])]);
    expect(Math.abs(pWet.reduce((a, b) => a + b, 0) / pairs.n - wetFreq)).toBeLessThan(1e-3);
    const pe = predictSiteModel(emos, f, test);
    expect(pe.quantiles.some((q) => q === 0)).toBe(true);
    expect(pe.quantiles.every((q) => !(q < 0))).toBe(true);
    const before = tf.memory().numTensors;
    const drn = fitSiteModel(f, obs, { ...common, method: 'drn', drn: { seeds: 1, maxEpochs: 2 } });
    const e = evaluateSiteModel(drn, f, obs, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(e.crps.model.mean).toBeLessThan(e.crps.rawAll.fair.mean);
    expect(e.crps.emosAll!.mean).toBeLessThan(e.crps.rawAll.fair.mean);
  });

  test('drn: predicts the same after a save/load round trip; a model of an experimental option since removed is refused by name', async () => {
    const { f, obs } = await innsbruckPrecip();
    const common = { members: 6, trainFrom: iso('2008-01-01'), trainTo: iso('2011-01-01') };
    const test = { from: iso('2011-01-01'), to: iso('2012-01-01') };
    const before = tf.memory().numTensors;
    const m = fitSiteModel(f, obs, { ...common, method: 'drn', drn: { seeds: 1, maxEpochs: 2 } });
    const out = path.join(dir, 'drn-rt');
    saveSiteModel(out, m);
    const back = loadSiteModel(out).model;
    const a = predictSiteModel(m, f, test);
    const b = predictSiteModel(back, f, test);
    expect(Array.from(b.mu)).toEqual(Array.from(a.mu));
    expect(Array.from(b.sigma)).toEqual(Array.from(a.sigma));
    expect(tf.memory().numTensors).toBe(before);
    // Session 6's experimental 'rich' inputs and direct (constant-base) network were removed (session 7):
    // such a model is refused, not mispredicted.
    for (const [k, v] of [
      ['inputKind', 'rich'],
      ['baseKind', 'constant'],
    ]) {
      const legacy = JSON.parse(JSON.stringify(m)) as typeof m & { drn: Record<string, unknown> };
      legacy.drn[k] = v;
      expect(() => predictSiteModel(legacy, f, test)).toThrow(ModelError);
      expect(() => predictSiteModel(legacy, f, test)).toThrow(/inputKind'\/'baseKind' is .*since removed/);
    }
    // The basic values those fields could carry are accepted (models written in session 6).
    const written6 = JSON.parse(JSON.stringify(m)) as typeof m & { drn: Record<string, unknown> };
    Object.assign(written6.drn, { inputKind: 'basic', baseKind: 'emos' });
    expect(Array.from(predictSiteModel(written6, f, test).mu)).toEqual(Array.from(a.mu));
  });

  test('an empty training period is a DataError naming the files and the period', async () => {
    const f = await readSiteForecast(realSiteFile('gefs-innsbruck-tmin/forecast.nc'), 'air_temperature');
    const obs = await readSiteObservations(
      realSiteFile('gefs-innsbruck-tmin/observation.nc'),
      'air_temperature',
      f.units,
    );
    expect(() =>
      fitSiteModel(f, obs, {
        method: 'emos',
        members: 6,
        trainFrom: iso('1990-01-01'),
        trainTo: iso('1991-01-01'),
      }),
    ).toThrow(DataError);
    expect(() =>
      fitSiteModel(f, obs, {
        method: 'emos',
        members: 6,
        trainFrom: iso('1990-01-01'),
        trainTo: iso('1991-01-01'),
      }),
    ).toThrow(/forecast\.nc \+ .*observation\.nc: no training pairs with validity time in \[1990-01-01/);
  });
});
