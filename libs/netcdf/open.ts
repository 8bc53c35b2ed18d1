/** Open any supported NetCDF file, choosing the reader from the file's magic bytes. */
import { closeSync, openSync, readSync } from 'node:fs';
import { FileAccessError, InvalidNetcdfError } from '../contracts/errors.js';
import { NcDataset } from './dataset.js';
import { GribStore, type GribOpenOptions } from './gribStore.js';
import { openNc3 } from './nc3Store.js';
import { openNc4 } from './nc4Store.js';
import type { RawStore } from './store.js';

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function readMagic(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new FileAccessError(
      `${path}: cannot open (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        cause: err,
      },
    );
  }
  try {
    const buf = Buffer.alloc(8);
    const n = readSync(fd, buf, 0, 8, 0);
    return buf.subarray(0, n);
  } catch (err) {
    throw new FileAccessError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        cause: err,
      },
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * Open a netCDF-3 classic (`CDF\x01`), 64-bit offset (`CDF\x02`) or netCDF-4/HDF5 (`\x89HDF\r\n\x1a\n`) file,
 * or a GRIB edition 1/2 file (`GRIB`, presented cfgrib-style by libs/grib; `grib` options apply to it).
 * Metadata are read now; data lazily through `readVariable`/`readRaw`. Anything else → InvalidNetcdfError.
 */
export async function openDataset(
  path: string,
  options: { grib?: GribOpenOptions } = {},
): Promise<NcDataset> {
  const magic = readMagic(path);
  let store: RawStore;
  if (magic.length >= 4 && magic.subarray(0, 3).toString('latin1') === 'CDF') {
    const version = magic[3];
    if (version === 5)
      throw new InvalidNetcdfError(`${path}: netCDF-3 64-bit data (CDF-5) files are not supported`);
    if (version !== 1 && version !== 2)
      throw new InvalidNetcdfError(`${path}: unknown netCDF-3 version byte ${version}`);
    store = wrap(path, () => openNc3(path));
  } else if (magic.length === 8 && magic.equals(HDF5_MAGIC)) {
    store = await openNc4(path);
  } else if (magic.length >= 4 && magic.subarray(0, 4).toString('latin1') === 'GRIB') {
    store = await GribStore.open(path, options.grib);
  } else {
    throw new InvalidNetcdfError(
      `${path} is not a NetCDF file (starts with ${JSON.stringify(magic.toString('latin1'))}, expected CDF or HDF5)`,
    );
  }
  return new NcDataset(store);
}

function wrap<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidNetcdfError) throw err;
    throw new InvalidNetcdfError(`${path}: cannot read netCDF-3 file (${(err as Error).message})`, {
      cause: err,
    });
  }
}
