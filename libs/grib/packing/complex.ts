/**
 * GRIB2 complex packing (data representation template 5.2) and complex packing with spatial differencing
 * (5.3): groups of values with their own reference and bit width (WMO FM 92 GRIB2, templates 5.2/5.3 and
 * 7.2/7.3; the algorithm of NCEP g2clib comunpack.c). Returns the packed integers (before scaling) with
 * missing values as NaN (missing-value management 1 and 2).
 */
import { unpackBits } from '../bits.js';

export interface ComplexParams {
  bitsPerValue: number;
  groupSplitting: number;
  missingManagement: number;
  ngroups: number;
  refGroupWidth: number;
  bitsGroupWidth: number;
  refGroupLength: number;
  lengthIncrement: number;
  trueLastLength: number;
  bitsGroupLength: number;
  /** 5.3 only: order of spatial differencing (1 or 2) and octets of each extra descriptor; 0 for 5.2. */
  order: number;
  extraOctets: number;
}

export function readComplexParams(s5: Uint8Array, template: number): ComplexParams {
  const u = (o: number, n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + s5[o + i];
    return v;
  };
  return {
    bitsPerValue: s5[19],
    groupSplitting: s5[21],
    missingManagement: s5[22],
    ngroups: u(31, 4),
    refGroupWidth: s5[35],
    bitsGroupWidth: s5[36],
    refGroupLength: u(37, 4),
    lengthIncrement: s5[41],
    trueLastLength: u(42, 4),
    bitsGroupLength: s5[46],
    order: template === 3 ? s5[47] : 0,
    extraOctets: template === 3 ? s5[48] : 0,
  };
}

/**
 * Unpack `n` integers; throws RangeError (caught by the caller and reported with the message) when the
 * groups do not add up to `n` or the data run past `data`.
 */
export function unpackComplex(data: Uint8Array, p: ComplexParams, n: number): Float64Array {
  const out = new Float64Array(n);
  if (p.order > 2) throw new RangeError(`order of spatial differencing ${p.order} (1 or 2 expected)`);
  if (p.missingManagement > 2) throw new RangeError(`missing value management ${p.missingManagement}`);
  let pos = 0; // byte position
  const first: number[] = [];
  let minsd = 0;
  if (p.order > 0) {
    const k = p.extraOctets;
    if (k < 1 || k > 4) throw new RangeError(`${k} octets per spatial-differencing descriptor`);
    for (let i = 0; i < p.order; i++) {
      let v = 0;
      for (let j = 0; j < k; j++) v = v * 256 + data[pos++];
      first.push(v);
    }
    // The overall minimum is signed, sign and magnitude (Regulation 92.1.5).
    const neg = data[pos] & 0x80;
    let v = data[pos++] & 0x7f;
    for (let j = 1; j < k; j++) v = v * 256 + data[pos++];
    minsd = neg ? -v : v;
  }
  const ng = p.ngroups;
  const need = (bytes: number) => {
    if (pos + bytes > data.length)
      throw new RangeError(`group descriptors run past the data (${data.length} bytes)`);
  };
  need(Math.ceil((ng * p.bitsPerValue) / 8));
  const refs = unpackBits(data, pos * 8, p.bitsPerValue, ng, new Float64Array(ng));
  pos += Math.ceil((ng * p.bitsPerValue) / 8);
  need(Math.ceil((ng * p.bitsGroupWidth) / 8));
  const widths = unpackBits(data, pos * 8, p.bitsGroupWidth, ng, new Float64Array(ng));
  pos += Math.ceil((ng * p.bitsGroupWidth) / 8);
  need(Math.ceil((ng * p.bitsGroupLength) / 8));
  const lengths = unpackBits(data, pos * 8, p.bitsGroupLength, ng, new Float64Array(ng));
  pos += Math.ceil((ng * p.bitsGroupLength) / 8);
  let total = 0;
  for (let g = 0; g < ng; g++) {
    widths[g] += p.refGroupWidth;
    lengths[g] = g === ng - 1 ? p.trueLastLength : lengths[g] * p.lengthIncrement + p.refGroupLength;
    if (widths[g] > 32) throw new RangeError(`group ${g + 1} has ${widths[g]} bits per value`);
    total += lengths[g];
  }
  if (total !== n) throw new RangeError(`group lengths add up to ${total}, not ${n} values`);
  let bit = pos * 8;
  let o = 0;
  const refMissing = p.bitsPerValue > 0 ? 2 ** p.bitsPerValue - 1 : -1;
  let longest = 1;
  for (let g = 0; g < ng; g++) longest = Math.max(longest, lengths[g]);
  const tmp = new Float64Array(longest);
  for (let g = 0; g < ng; g++) {
    const w = widths[g];
    const len = lengths[g];
    const ref = refs[g];
    if (w === 0) {
      const missing = p.missingManagement > 0 && ref === refMissing;
      const second = p.missingManagement === 2 && ref === refMissing - 1;
      out.fill(missing || second ? NaN : ref, o, o + len);
    } else {
      if (bit + w * len > data.length * 8) throw new RangeError(`group ${g + 1} runs past the data`);
      unpackBits(data, bit, w, len, tmp);
      bit += w * len;
      const m1 = 2 ** w - 1;
      for (let i = 0; i < len; i++) {
        const x = tmp[i];
        if (p.missingManagement > 0 && (x === m1 || (p.missingManagement === 2 && x === m1 - 1)))
          out[o + i] = NaN;
        else out[o + i] = x + ref;
      }
    }
    o += len;
  }
  if (p.order > 0) undoDifferencing(out, p.order, first, minsd);
  return out;
}

/** Reverse first- or second-order spatial differencing over the non-missing values (template 7.3). */
function undoDifferencing(v: Float64Array, order: number, first: number[], minsd: number): void {
  let missing = false;
  for (let i = 0; i < v.length && !missing; i++) missing = Number.isNaN(v[i]);
  if (!missing) {
    if (v.length === 0) return;
    v[0] = first[0];
    if (order === 1) for (let k = 1; k < v.length; k++) v[k] = v[k] + minsd + v[k - 1];
    else {
      if (v.length > 1) v[1] = first[1];
      for (let k = 2; k < v.length; k++) v[k] = v[k] + minsd + 2 * v[k - 1] - v[k - 2];
    }
    return;
  }
  // Missing values are skipped: differencing ran over the present values only.
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) idx.push(i);
  if (idx.length === 0) return;
  if (order === 1) {
    v[idx[0]] = first[0];
    for (let k = 1; k < idx.length; k++) v[idx[k]] = v[idx[k]] + minsd + v[idx[k - 1]];
  } else {
    v[idx[0]] = first[0];
    if (idx.length > 1) v[idx[1]] = first[1];
    for (let k = 2; k < idx.length; k++) v[idx[k]] = v[idx[k]] + minsd + 2 * v[idx[k - 1]] - v[idx[k - 2]];
  }
}
