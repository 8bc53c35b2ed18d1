/**
 * The direct reader (libs/netcdf/h5chunks.ts), which reads every netCDF-4 file on its own, against h5wasm,
 * which stays the reference: bit-identical values and the same typed-array class for whole variables and for
 * hyperslabs that cut chunks at their edges, on the chunked fixture (shuffle+zlib, zlib, fletcher32,
 * unfiltered, big-endian, 1/2/4/8-byte types, a multi-level chunk B-tree, an unlimited dimension, unwritten
 * chunks, contiguous variables, dense attribute storage) and on every netCDF-4 file of the real data, scalars
 * and char variables included. The metadata parsed from object headers (dimensions, variables, attribute
 * names in h5wasm's order, dimension scales from DIMENSION_LIST, global attributes) equal h5wasm's.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { H5ChunkReader, unshuffle } from '../../../libs/netcdf/h5chunks.js';
import { loadH5wasm, openNc4, type Nc4Store } from '../../../libs/netcdf/nc4Store.js';
import type { NumericArray } from '../../../libs/netcdf/store.js';
import type { VariableInfo } from '../../../libs/netcdf/types.js';
import { REAL_DATA_DIR, describeRealData, realFile, realNetcdfFiles } from '../../helpers/realData.js';
import { rng } from '../../helpers/random.js';
import { FIXTURE_DIR, fixturePath } from './fixtures.js';

const CHUNKED = path.join(FIXTURE_DIR, 'fixture-chunked.nc');

function bytesOf(a: NumericArray | string[]): Buffer {
  if (Array.isArray(a)) return Buffer.from(JSON.stringify(a));
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSame(direct: Nc4Store, ref: Nc4Store, v: VariableInfo, start: number[], count: number[]) {
  const a = direct.read(v, start, count);
  const b = ref.read(v, start, count);
  const where = `${v.name} start [${start.join(',')}] count [${count.join(',')}]`;
  if (v.shape.length === 0 && !Array.isArray(a) && !Array.isArray(b)) {
    // The h5wasm path widens scalars to float64 (Nc4Store.read); the direct one keeps the stored type.
    expect([where, Array.from(a, Number)]).toEqual([where, Array.from(b, Number)]);
    return;
  }
  expect([where, a.constructor.name]).toEqual([where, b.constructor.name]);
  expect([where, bytesOf(a).equals(bytesOf(b))]).toEqual([where, true]);
}

/** Everything the store reports at open, with attribute order (Object.keys) made explicit. */
function describeStore(s: Nc4Store): unknown {
  return {
    format: s.format,
    attrs: s.attrs,
    attrTypes: s.attrTypes,
    dimensions: s.dimensions,
    variables: s.variables.map((v) => ({
      name: v.name,
      dtype: v.dtype,
      dims: v.dims,
      shape: v.shape,
      attrNames: Object.keys(v.attrs),
      attrs: v.attrs,
      attrTypes: v.attrTypes,
    })),
  };
}

/** Whole variable plus `n` random hyperslabs (seeded) of every numeric, non-scalar variable. */
async function compareFile(file: string, n: number): Promise<string[]> {
  const direct = await openNc4(file);
  const ref = await openNc4(file, { direct: false });
  const random = rng(42);
  try {
    expect(describeStore(direct)).toEqual(describeStore(ref));
    for (const v of direct.variables) {
      if (v.dtype === 'string') continue;
      expectSame(
        direct,
        ref,
        v,
        v.shape.map(() => 0),
        v.shape,
      );
      for (let k = 0; k < n && v.shape.length > 0 && v.dtype !== 'char'; k++) {
        const start = v.shape.map((s) => Math.floor(random() * s));
        const count = v.shape.map((s, i) => 1 + Math.floor(random() * (s - start[i])));
        expectSame(direct, ref, v, start, count);
      }
    }
    return direct.directlyRead.sort();
  } finally {
    direct.close();
    ref.close();
  }
}

describe('direct chunk reads on the chunked fixture (netCDF-C, make_chunked_fixture.py)', () => {
  test('every variable and 20 random hyperslabs each equal h5wasm bit for bit', async () => {
    const direct = await compareFile(CHUNKED, 20);
    expect(direct).toEqual(
      [
        'attr_zoo', // contiguous
        'attr_zoo2', // contiguous
        'many_attrs', // contiguous, dense attribute storage
        'big_endian',
        'fletcher',
        'i16',
        'i32_4d',
        'i64',
        'many_chunks',
        'partly_written', // one written chunk, the others read as the fill value
        'plain_chunked',
        'shuffle_zlib',
        'u8',
        'zlib_only',
      ].sort(),
    );
  });

  test('unwritten chunks read as the fill value, like h5wasm', async () => {
    const direct = await openNc4(CHUNKED);
    const ref = await openNc4(CHUNKED, { direct: false });
    try {
      const v = direct.variables.find((x) => x.name === 'partly_written')!;
      expectSame(direct, ref, v, [0, 0], [13, 17]);
      expectSame(direct, ref, v, [1, 2], [4, 4]);
      expect(direct.directlyRead).toEqual(['partly_written']);
    } finally {
      direct.close();
      ref.close();
    }
  });

  test('a hyperslab cutting partial edge chunks (13x17 grid in 5x6 chunks)', async () => {
    const direct = await openNc4(CHUNKED);
    const ref = await openNc4(CHUNKED, { direct: false });
    try {
      const v = direct.variables.find((x) => x.name === 'shuffle_zlib')!;
      expectSame(direct, ref, v, [1, 4, 5], [3, 9, 12]);
      expectSame(direct, ref, v, [4, 12, 16], [1, 1, 1]);
      expect(direct.directlyRead).toEqual(['shuffle_zlib']);
    } finally {
      direct.close();
      ref.close();
    }
  });

  test('metadata are parsed from object headers, dense attribute storage included', async () => {
    const ds = await openNc4(CHUNKED);
    const ref = await openNc4(CHUNKED, { direct: false });
    try {
      const names = ds.variables.map((v) => v.name);
      expect([...ds.directlyParsed].sort()).toEqual([...names, 'time', 'x', 'y', 'z'].sort());
      expect(ref.directlyParsed).toEqual([]);
      for (const v of ds.variables)
        expect(v.attrs).toEqual(ref.variables.find((x) => x.name === v.name)!.attrs);
      expect([...ds.directlyDecodedAttrs].sort()).toEqual(names.sort());
      expect(ds.variables.find((v) => v.name === 'attr_zoo')!.attrs).toEqual({
        vlen_string: 'a variable-length string',
        vlen_strings: 'first\nsecond\n',
        units: 'K',
        long_name: 'temp\u00e9rature \u00e0 2 m',
      });
      const zoo2 = ds.variables.find((v) => v.name === 'attr_zoo2')!;
      expect(zoo2.attrs).toEqual({
        int64_attr: -(2 ** 40),
        uint8_attr: [1, 2, 255],
        double_list: [0.1, -1e300, 3.5],
        float_attr: 1.5,
        // NC_CHAR is stored with HDF5's ASCII character set, which h5wasm decodes as windows-1252.
        utf8_chars: 'caf\u00c3\u00a9',
      });
      expect(zoo2.attrTypes).toEqual({
        int64_attr: 'int64',
        uint8_attr: 'ubyte',
        double_list: 'double',
        float_attr: 'float',
        utf8_chars: 'char',
      });
    } finally {
      ds.close();
      ref.close();
    }
  });

  test('the unlimited dimension without a coordinate variable is as long as its longest variable', async () => {
    const ds = await openNc4(CHUNKED);
    try {
      expect(ds.dimensions.find((d) => d.name === 'time')).toEqual({
        name: 'time',
        size: 5,
        unlimited: true,
      });
      expect(ds.variables.find((v) => v.name === 'shuffle_zlib')!.shape).toEqual([5, 13, 17]);
    } finally {
      ds.close();
    }
  });

  test.each(['nc4', 'nc4classic'] as const)('the %s fixture reads the same both ways', async (format) => {
    await compareFile(fixturePath(format), 5);
  });
});

/** rootLinks against h5wasm: keys() order, and each hard link's address equal to its object reference. */
async function expectRootLinksLikeH5wasm(file: string): Promise<void> {
  const m = await loadH5wasm();
  const f = new m.File(file, 'r');
  const fd = openSync(file, 'r');
  try {
    const links = new H5ChunkReader(fd, file).rootLinks();
    expect(links?.map((l) => l.name)).toEqual(f.keys());
    for (const l of links!) {
      const obj = f.get(l.name) as InstanceType<typeof m.Dataset>;
      const ref = Buffer.from(obj.create_reference().ref_data);
      expect([l.name, l.address]).toEqual([l.name, Number(ref.readBigUInt64LE())]);
    }
  } finally {
    closeSync(fd);
    f.close();
  }
}

describe('root group links', () => {
  test.each(['fixture-compact.nc', 'fixture-chunked.nc', 'fixture-nc4.nc', 'fixture-nc4classic.nc'])(
    '%s: same names, order and object addresses as h5wasm',
    async (name) => {
      await expectRootLinksLikeH5wasm(path.join(FIXTURE_DIR, name));
    },
  );

  test('a group with its links in the header (compact storage) reads the same both ways', async () => {
    expect(await compareFile(path.join(FIXTURE_DIR, 'fixture-compact.nc'), 5)).toEqual(['values']);
  });
});

describe('unshuffle', () => {
  test.each([1, 2, 3, 4, 8])('element size %i, with trailing bytes', (elem) => {
    const random = rng(elem);
    for (const len of [0, 1, elem, 7 * elem, 7 * elem + (elem > 1 ? elem - 1 : 0), 1000 * elem + 1]) {
      const plain = Uint8Array.from({ length: len }, () => Math.floor(random() * 256));
      const n = Math.floor(len / elem);
      const shuffled = plain.slice();
      for (let i = 0; i < n; i++) for (let b = 0; b < elem; b++) shuffled[b * n + i] = plain[i * elem + b];
      expect(Buffer.from(unshuffle(shuffled, elem)).equals(Buffer.from(plain))).toBe(true);
    }
  });
});

const hdf5Files = realNetcdfFiles().filter((f) => {
  const fd = openSync(path.join(REAL_DATA_DIR, f), 'r');
  const magic = Buffer.alloc(4);
  readSync(fd, magic, 0, 4, 0);
  closeSync(fd);
  return magic.subarray(1, 4).toString('latin1') === 'HDF';
});

describeRealData('direct chunk reads on the real netCDF-4 files', () => {
  test('there are netCDF-4 files', () => {
    expect(hdf5Files.length).toBeGreaterThan(10);
  });

  test.each(hdf5Files)('%s reads the same as h5wasm', async (rel) => {
    await compareFile(realFile(rel), 3);
    await expectRootLinksLikeH5wasm(realFile(rel));
  });

  test('a contiguous 12x200x200 variable: blocks and a sparse column are read directly', async () => {
    const file = realFile('improver_test_data/apply-emos-coefficients/normal/input.nc');
    for (const [start, count] of [
      [
        [0, 5, 7],
        [12, 1, 1],
      ],
      [
        [3, 10, 0],
        [2, 50, 200],
      ],
      [
        [11, 199, 150],
        [1, 1, 50],
      ],
    ] as const) {
      const ds = await openNc4(file);
      const ref = await openNc4(file, { direct: false });
      try {
        const v = ds.variables.find((x) => x.name === 'air_temperature')!;
        expectSame(ds, ref, v, [...start], [...count]);
        expect(ds.directlyRead).toEqual(['air_temperature']);
      } finally {
        ds.close();
        ref.close();
      }
    }
  });

  test('MOGREPS-UK air_temperature (shuffle+zlib, 1x200x200 chunks) is read directly', async () => {
    const file = realFile(
      'improver_test_data/estimate-emos-coefficients/normal/history/20170602T0300Z-PT0012H-temperature_at_screen_level.nc',
    );
    expect(await compareFile(file, 10)).toContain('air_temperature');
    const ds = await openNc4(file);
    try {
      expect(ds.directlyParsed.length).toBe(12); // 11 variables and the bnds dimension
    } finally {
      ds.close();
    }
  });
});
