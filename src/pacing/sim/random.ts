// pacing/sim/random owns the simulator's seeded randomness: xoshiro128** streams seeded via splitmix32,
// one per (seed, lead), and the draws scenarios need. It must not use Math.random or any global state.

/** splitmix32's finaliser: a bijective 32-bit mix. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** xoshiro128**: fast, 128-bit state, good statistical quality for simulation. */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds the state with four splitmix32 outputs of `seed`, so nearby seeds give unrelated streams. */
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform draw in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The stream of one lead: depends on the run's seed and the lead's index only (common random numbers). */
export function leadStream(seed: number, leadIndex: number): Xoshiro128 {
  return new Xoshiro128(mix32(mix32(seed ^ 0x5bd1e995) ^ Math.imul(leadIndex + 1, 0x9e3779b1)));
}

export type Uniform = () => number;

export function uniform(rand: Uniform, min: number, max: number): number {
  return min + (max - min) * rand();
}

/** A standard normal draw (Box–Muller, one of the pair). */
export function standardNormal(rand: Uniform): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma by shape and mean (Marsaglia–Tsang; shape < 1 through the boost U^(1/shape)). */
export function gamma(rand: Uniform, shape: number, mean: number): number {
  const scale = mean / shape;
  if (shape < 1) return gamma(rand, shape + 1, (shape + 1) * scale) * (1 - rand()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(rand);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rand();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/** Log-normal by its mean and coefficient of variation. */
export function lognormal(rand: Uniform, mean: number, cv: number): number {
  const sigma2 = Math.log(1 + cv * cv);
  return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * standardNormal(rand));
}
