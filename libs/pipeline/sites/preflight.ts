/**
 * Checks of a site request against its files without fitting or predicting anything: what the API runs in
 * a FileGuard child (libs/service/file-guard.ts) before it enqueues, so a bad site file is a typed one-line
 * 4xx at once (no station_id / cf_role, wrong dimensions, unknown variable, fewer members than K, a
 * station missing from the observations, units that do not convert, an empty training period), not a
 * failed job later. Paths arrive absolute and confined.
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { SiteFitRequest, SitePredictRequest } from '../../contracts/sites.js';
import { inPeriod, pairSites, requirePairs, selectMembers } from '../../sites/pairing.js';
import { loadSiteModel, modelParameters, toModelUnits } from '../../sites/model.js';
import { readSiteForecast, readSiteObservations } from '../../sites/read.js';
import type { SiteFitPaths } from './job.js';

const seconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

export interface SiteFileSummary {
  variable: string;
  units: string;
  stations: string[];
  times: { count: number; first: string | null; last: string | null };
  members?: number[];
  extras?: string[];
}

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t * 1000).toISOString());

/** The forecast + observations of a fit request read, the members selected and the training pairs counted. */
export async function preflightSiteFit(
  r: SiteFitRequest,
  paths: Pick<SiteFitPaths, 'forecast' | 'observations'>,
): Promise<{ pairs: number }> {
  const f = await readSiteForecast(paths.forecast, r.variable);
  const obs = await readSiteObservations(paths.observations, r.variable, f.units);
  const members = selectMembers(f, r.members);
  const period = { from: seconds(r.trainFrom), to: seconds(r.trainTo) };
  const pairs = pairSites(f, obs, members, period);
  requirePairs(pairs, f, obs, period, 'training');
  return { pairs: pairs.n };
}

/** The forecast of a prediction request read with the model's variable; members, extras, units and times checked. */
export async function preflightSitePredict(
  r: SitePredictRequest,
  paths: { forecast: string; siteModel: string },
): Promise<{ times: number }> {
  const { model } = loadSiteModel(paths.siteModel);
  const f = toModelUnits(model, await readSiteForecast(paths.forecast, model.variable));
  // No pairs: only the checks that the file has every member and extra predictor the model uses.
  modelParameters(model, f, new Int32Array(0), new Int32Array(0));
  const period = { from: seconds(r.from), to: seconds(r.to) };
  const times = [...f.times].filter((t) => inPeriod(t, period)).length;
  if (times === 0)
    throw new InvalidArgumentError(
      `${f.source}: no forecast times in [${r.from ?? '…'}, ${r.to ?? '…'}) (the file covers ${iso(f.times[0])} to ${iso(f.times[f.times.length - 1])})`,
    );
  return { times };
}

/** An uploaded site file read as a forecast or as observations of `variable` (what the upload route stores). */
export async function describeSiteFile(
  file: string,
  role: 'forecast' | 'observations',
  variable: string,
): Promise<SiteFileSummary> {
  if (role === 'forecast') {
    const f = await readSiteForecast(file, variable);
    return {
      variable,
      units: f.units,
      stations: f.stations.id,
      times: { count: f.times.length, first: iso(f.times[0]), last: iso(f.times[f.times.length - 1]) },
      members: f.members,
      extras: Object.keys(f.extras).sort(),
    };
  }
  const o = await readSiteObservations(file, variable, '');
  return {
    variable,
    units: o.units,
    stations: o.stationIds,
    times: { count: o.times.length, first: iso(o.times[0]), last: iso(o.times[o.times.length - 1]) },
  };
}
