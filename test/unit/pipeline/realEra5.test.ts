/**
 * The default model on the real ERA5 EDA ensemble (members 1–5 of 10, no step axis: each time is an
 * analysis-like input): σ > 0 everywhere and μ(t850) within 5 K of the 10-member mean.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../../libs/model/backend.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { postprocessWithModel } from '../../../libs/pipeline/forecast/index.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

describeRealData('default model on the real ERA5 ensemble', () => {
  test('writes products with σ > 0 and μ(t850) within 5 K of the 10-member mean', async () => {
    await selectBackend('wasm');
    const dir = mkdtempSync(path.join(tmpdir(), 'epp-era5-'));
    try {
      const input = realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc');
      const out = path.join(dir, 'pp.nc');
      const r = await postprocessWithModel({
        modelDir: 'data/models/default',
        forecastPath: input,
        outPath: out,
        members: [0, 1, 2, 3, 4],
      });
      expect(r.samples).toBe(4);
      expect(r.sigmaMin).toBeGreaterThan(0);
      expect(r.files).toEqual([path.join(dir, 'pp_t850.nc'), path.join(dir, 'pp_z500.nc')]);
      const ds = await openDataset(path.join(dir, 'pp_t850.nc'));
      const mu = ds.readVariable('air_temperature_mean').data; // [time, lat, lon]
      const src = await openDataset(input);
      const t = src.readVariable('t'); // [time, number, level, lat, lon]
      const lv = Array.from(src.readVariable('level').data).indexOf(850);
      const [T, M, L] = t.shape;
      const n = mu.length / T;
      let worst = 0;
      for (let ti = 0; ti < T; ti++)
        for (let p = 0; p < n; p++) {
          let m = 0;
          for (let k = 0; k < M; k++) m += t.data[((ti * M + k) * L + lv) * n + p];
          worst = Math.max(worst, Math.abs(mu[ti * n + p] - m / M));
        }
      expect(worst).toBeLessThan(5);
      // Provenance and domain of use (issue 14): trained on the synthetic testbed, said in result and file.
      expect(r.provenance.training_data_kind).toBe('synthetic testbed');
      expect(r.provenance.model_version_hash).toMatch(/^[0-9a-f]{16}$/);
      expect(r.provenance.members).toBe('0,1,2,3,4');
      expect(r.analysisSource).toBe('fallback-subset-mean-step0');
      expect(r.domain.inside).toBe(false);
      expect(r.domain.warnings[0]).toMatch(/trained on a synthetic testbed/);
      expect(ds.attrs.epp_training_data_kind).toBe('synthetic testbed');
      expect(ds.attrs.epp_domain_of_use).toBe('OUTSIDE the training data');
      expect(String(ds.attrs.epp_domain_warning)).toMatch(/synthetic testbed/);
      expect(String(ds.attrs.epp_analysis_source)).toMatch(/fallback/);
      expect(ds.attrs.epp_model_id).toBe('default');
      ds.close();
      src.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
