/**
 * Where the core's plain fixed-point values become the strategy API's branded ones (units.ts).
 *
 * These are type-level identities: the value is returned as is, at no run-time cost. They assert rather
 * than check the brand, which is sound because each value comes from the core (books, portfolio, fee
 * arithmetic, open orders), whose invariants make it an integer of its unit (src/core/types/fixed.ts).
 * Only the kernel's strategy context uses them; values coming the other way (from strategy code) are
 * checked at run time (src/core/kernel/command-check.ts), never asserted.
 */
import type { BookReader } from '../book/reader.ts';
import type { Level as CoreLevel } from '../types/events.ts';
import type { Cash as CoreCash, Px as CorePx, Qty as CoreQty } from '../types/fixed.ts';
import type { BookView, Level } from './api.ts';
import type { Cash, Px, Qty } from './units.ts';

export const brandPx = (v: CorePx): Px => v as Px;
export const brandQty = (v: CoreQty): Qty => v as Qty;
export const brandCash = (v: CoreCash): Cash => v as Cash;
export const brandLevels = (levels: CoreLevel[]): Level[] => levels as Level[];
/** A core book reader as the strategy's BookView (same object; BookReader has every BookView method). */
export function brandBook(book: BookReader): BookView;
export function brandBook(book: BookReader | undefined): BookView | undefined;
export function brandBook(book: BookReader | undefined): BookView | undefined {
  return book as BookView | undefined;
}
