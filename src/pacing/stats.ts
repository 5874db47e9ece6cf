// pacing/stats owns the closed-form distribution functions the pacers need (normal, log-normal).
// Pure math: it must not keep state or touch the store, telephony or the clock.

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erfc; absolute error < 1e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const tail = 0.5 * poly * Math.exp(-x * x);
  return z >= 0 ? 1 - tail : tail;
}

/** CDF of a log-normal given by its mean and coefficient of variation. */
export function lognormalCdf(x: number, mean: number, cv: number): number {
  if (x <= 0) return 0;
  const sigma2 = Math.log(1 + cv * cv);
  return normalCdf((Math.log(x) - Math.log(mean) + sigma2 / 2) / Math.sqrt(sigma2));
}
