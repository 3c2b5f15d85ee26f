/**
 * Noop: does nothing. Used by the benchmarks (the cost of the pipeline without a strategy) and as a
 * template for a new strategy: copy this file, add parameters to the zod schema (see
 * src/core/strategy/params.ts for price / shares / dollars / duration parameters) and fill in hooks.
 *
 * Rules every strategy follows: import only the strategy API (src/core/strategy/*), the fixed-point
 * helpers (src/core/types/fixed.ts) and zod; no Date, no Math.random (use ctx.now() and ctx.rng), no I/O.
 * Prices are Px (1e-4 ticks), sizes Qty (1e-6 shares), dollars Cash (bigint 1e-10 $): never floats.
 *
 * Parameters: none. Known limits: none; it never trades.
 */
import { z } from 'zod';
import { defineStrategy } from 'poly';

export default defineStrategy({
  name: 'noop',
  description: 'Does nothing (benchmarks, template).',
  params: z.object({}),
  create() {
    return {};
  },
});
