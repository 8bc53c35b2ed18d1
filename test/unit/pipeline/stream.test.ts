/**
 * Streaming samples: the order given, at most `prefetch` reads ahead of the consumer, a read error surfaces
 * at its sample, batches; on a generated tiny testbed the streamed samples equal loadSplit's, and the
 * normalisation fitted in one streamed pass equals the one fitted on the loaded split.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataError } from '../../../libs/contracts/errors.js';
import { resolveModelConfig } from '../../../libs/model/config.js';
import { NormalizationFitter } from '../../../libs/model/normalization.js';
import {
  batchesOf,
  indexArchive,
  loadSplit,
  splitInits,
  streamSamples,
  type ArchiveIndex,
  type ArchiveInit,
  type LoadedSample,
} from '../../../libs/pipeline/dataset/index.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';

const fakeIndex = { dir: '/nowhere', inits: [] } as unknown as ArchiveIndex;
const inits = Array.from({ length: 7 }, (_, i) => ({
  time: i,
  file: `f${i}`,
  split: 'train',
  perfect: null,
})) as ArchiveInit[];
const cfg = resolveModelConfig({});

/** A loader that resolves on a later tick and counts reads in flight. */
function countingLoader(failAt = -1) {
  const state = { inFlight: 0, maxInFlight: 0, started: [] as number[] };
  const load = async (init: ArchiveInit): Promise<LoadedSample> => {
    state.started.push(init.time);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    state.inFlight--;
    if (init.time === failAt) throw new DataError(`${init.file}: broken`);
    return { init: init.time } as unknown as LoadedSample;
  };
  return { state, load };
}

test('the order given, never more than `prefetch` reads ahead, even with a slow consumer', async () => {
  const { state, load } = countingLoader();
  const order = [3, 1, 4, 0, 6, 5, 2].map((i) => inits[i]);
  const got: number[] = [];
  let aheadMax = 0;
  for await (const s of streamSamples(fakeIndex, order, cfg, {}, { prefetch: 2, load })) {
    got.push(s.init);
    aheadMax = Math.max(aheadMax, state.started.length - got.length);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(got).toEqual([3, 1, 4, 0, 6, 5, 2]);
  expect(state.maxInFlight).toBeLessThanOrEqual(2);
  expect(aheadMax).toBeLessThanOrEqual(2);
});

test('a read error surfaces at its sample; stopping early starts no further reads', async () => {
  const bad = countingLoader(2);
  const got: number[] = [];
  await expect(
    (async () => {
      for await (const s of streamSamples(fakeIndex, inits, cfg, {}, { load: bad.load })) got.push(s.init);
    })(),
  ).rejects.toThrow(/f2: broken/);
  expect(got).toEqual([0, 1]);
  const early = countingLoader();
  for await (const s of streamSamples(fakeIndex, inits, cfg, {}, { prefetch: 2, load: early.load }))
    if (s.init === 1) break;
  await new Promise((r) => setTimeout(r, 20));
  expect(early.state.started.length).toBeLessThanOrEqual(4);
});

test('batches of a stream, the last one shorter', async () => {
  const { load } = countingLoader();
  const sizes: number[] = [];
  for await (const b of batchesOf(streamSamples(fakeIndex, inits, cfg, {}, { load }), 3))
    sizes.push(b.length);
  expect(sizes).toEqual([3, 3, 1]);
});

describe('on a generated tiny testbed', () => {
  let dir: string;
  let index: ArchiveIndex;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'epp-stream-'));
    await new TestbedGenerator({ preset: 'tiny', seed: 3 }).process(new ArchiveWriter(path.join(dir, 'tb')));
    index = await indexArchive(path.join(dir, 'tb'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('streamed samples = loadSplit; one-pass normalisation = the loaded split’s', async () => {
    const loaded = await loadSplit(index, 'train', cfg);
    const fitLoaded = new NormalizationFitter(true);
    loaded.forEach((s) => fitLoaded.add(s.raw));
    const fitStreamed = new NormalizationFitter(true);
    let i = 0;
    for await (const s of streamSamples(index, splitInits(index, 'train'), cfg)) {
      expect(s.init).toBe(loaded[i].init);
      expect(s.raw.bc.map((f) => Array.from(f.subarray(0, 50)))).toEqual(
        loaded[i].raw.bc.map((f) => Array.from(f.subarray(0, 50))),
      );
      fitStreamed.add(s.raw);
      i++;
    }
    expect(i).toBe(loaded.length);
    const a = fitLoaded.finish();
    const b = fitStreamed.finish();
    expect(b.bcMean).toEqual(a.bcMean);
    expect(b.targetScale).toEqual(a.targetScale);
    expect(Array.from(b.lasStd[0])).toEqual(Array.from(a.lasStd[0]));
    expect(() => splitInits(index, 'nothing' as never)).toThrow(/holds no initialisations/);
  }, 120_000);
});
