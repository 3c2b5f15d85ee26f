/**
 * Clock: the only way the core learns the time. Nanoseconds since the Unix epoch, as bigint.
 * Replay drives a virtual clock from record receive times; live drives one from the wall clock
 * (src/engine/). Either way time only moves forward.
 */
export interface Clock {
  now(): bigint;
}
