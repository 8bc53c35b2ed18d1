/** The hostile files of bench/hostile/attacks.ts, made from the real data (EPP_REAL_DATA). */
import * as attacks from '../../../bench/hostile/attacks.js';
import { realFile } from '../../helpers/realData.js';

export type { AttackFile } from '../../../bench/hostile/attacks.js';
export const { WIND_FILE, WIND_REQUEST, zlibZeros, nc3NameBomb } = attacks;
export const h5wasmLoop = (dir: string) => attacks.h5wasmLoop(dir, realFile(WIND_FILE));
export const zlibBomb = (dir: string, gib = 3) => attacks.zlibBomb(dir, realFile(WIND_FILE), gib);
export const corruptChunk = (dir: string) => attacks.corruptChunk(dir, realFile(WIND_FILE));
export const gribCutMagic = (dir: string) => attacks.gribCutMagic(dir, realFile(attacks.ERA5_GRIB));
export const gribGaussianN = (dir: string) => attacks.gribGaussianN(dir);
