/** The part of jstat (MIT, no type definitions published) that libs/sites uses. */
declare module 'jstat' {
  interface JStat {
    /** Regularised lower incomplete gamma P(a, x). */
    lowRegGamma(a: number, x: number): number;
    /** Inverse of P(·, a) in x: the p-quantile of the standard gamma of shape a. */
    gammapinv(p: number, a: number): number;
    /** log Γ(x), x > 0. */
    gammaln(x: number): number;
    /** log B(x, y). */
    betaln(x: number, y: number): number;
  }
  const jStat: JStat;
  export default jStat;
}
