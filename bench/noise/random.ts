/** Seeded randomness for the noise background: the same seed gives the same lines, byte for byte. */
import { prng } from '../generate';

export class Rng {
  private readonly r: () => number;

  constructor(seed: number) {
    this.r = prng(seed);
  }

  next(): number {
    return this.r();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }

  /** `n` distinct elements of `xs` (all of them when it has fewer), in random order. */
  sample<T>(xs: readonly T[], n: number): T[] {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.r() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, Math.min(n, copy.length));
  }

  /** An exponential interval (ms) of the given mean: arrivals of a Poisson process. */
  exp(meanMs: number): number {
    return Math.max(1, Math.round(-Math.log(1 - this.r()) * meanMs));
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.r() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
}
