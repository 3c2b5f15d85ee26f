/**
 * Public entry of the book module: exact L2 books keyed by integer 1e-4 ticks, the unified
 * YES/NO book of binary markets, and the registry that feeds them with normalized events.
 * See l2.ts (book semantics), reader.ts (read API, sweeps), binary.ts (mirroring), registry.ts.
 */
export { L2Book, type L2BookOptions } from './l2.ts';
export { BookReadBase, sweepBudget, sweepQty, type BookReader, type Sweep } from './reader.ts';
export { mirrorLevels, mirrorPx, mirrorSide } from './mirror.ts';
export { BinaryBook } from './binary.ts';
export { BookRegistry, type BookRegistryStats } from './registry.ts';
export { Ladder, MirroredSide, type SideReader } from './ladder.ts';
