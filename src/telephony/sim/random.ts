// Seeded randomness for the sim driver. Every call draws from its own generator, seeded from the run's
// seed and the call id, so one call's fate does not depend on how many calls came before it or in which
// order the engine placed them: the same seed replays the same people.

/** A 32-bit FNV-1a hash of a string, mixed with a seed. */
export function hashSeed(seed: number, key: string): number {
  let h = (2166136261 ^ (seed | 0) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** mulberry32: small, fast and good enough for simulated call outcomes. Returns numbers in [0, 1). */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
export function normal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
