/**
 * The paper fill engine's public surface: PaperExchange plus its pluggable models (latency, queue, fees)
 * and the consumed-liquidity overlay. See exchange.ts for the matching rules and ordering guarantees, and
 * for its parts (in-flight.ts, validation.ts, matching-core.ts, queue/).
 */
export * from './attribution.ts';
export * from './exchange.ts';
export * from './fees.ts';
export * from './latency.ts';
export * from './overlay.ts';
export * from './queue.ts';
export * from './taker-delay.ts';
