/**
 * Seeded pseudo-random numbers for the core (latency draws, probabilistic queue model, strategies).
 * sfc32 seeded through splitmix32: fast, 32-bit integer arithmetic only, identical on every platform.
 * The same seed always yields the same sequence; nothing here reads the environment.
 */
export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextU32(): number;
  /** Uniform float in [0, 1), 32 bits of randomness. Not for money; for draws and decisions. */
  nextFloat(): number;
  /** Uniform integer in [0, n) for 0 < n <= 2^32, without modulo bias. */
  int(n: number): number;
  /** An independent generator derived from this one (for handing a strategy its own stream). */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`rng seed must be an integer, got ${seed}`);
    const sm = splitmix32(seed ^ Math.floor(seed / 2 ** 32));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  nextFloat(): number {
    return this.nextU32() / 2 ** 32;
  }

  int(n: number): number {
    if (!(n > 0 && n <= 2 ** 32 && Number.isInteger(n))) throw new RangeError(`rng.int needs 0 < n <= 2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  fork(): Rng {
    return new Sfc32(this.nextU32() * 2 ** 21 + (this.nextU32() >>> 11));
  }
}

export const seededRng = (seed: number): Rng => new Sfc32(seed);
