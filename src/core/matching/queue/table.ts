/**
 * THE table of queue models: `--queue` / `--queue-model` parsing (src/engine/config.ts), the flag's help
 * text and the README's engine-options row all read it (test/matching/queue-table.test.ts checks the help
 * and the README list exactly these names). A new model is one file in this folder plus one line here.
 */
import type { QueueModel } from './model.ts';
import { conservativeQueue } from './conservative.ts';
import { logProbability, powerProbability, probabilisticQueue } from './probabilistic.ts';

export interface QueueModelEntry {
  /** The name a user types (--queue NAME). */
  readonly name: string;
  /** One line for help and README. */
  readonly summary: string;
  /** Builds the model (called once per run). */
  readonly make: () => QueueModel;
}

const table: QueueModelEntry[] = [
  { name: 'conservative', summary: 'queue advances only on trade prints at your price (default)', make: () => conservativeQueue },
  { name: 'probabilistic', summary: 'also on size decreases judged cancels, f(x) = x^2 (= prob-power2)', make: () => probabilisticQueue(powerProbability(2), 'power2') },
  { name: 'prob-power2', summary: 'probabilistic, f(x) = x^2', make: () => probabilisticQueue(powerProbability(2), 'power2') },
  { name: 'prob-power3', summary: 'probabilistic, f(x) = x^3', make: () => probabilisticQueue(powerProbability(3), 'power3') },
  { name: 'prob-log', summary: 'probabilistic, f(x) = log(1 + x)', make: () => probabilisticQueue(logProbability, 'log') },
];

/** Every registered model, in table order. */
export function queueModels(): readonly QueueModelEntry[] {
  return table;
}

/** The model registered under `name`, or undefined. */
export function queueModelNamed(name: string): QueueModelEntry | undefined {
  return table.find((e) => e.name === name);
}

/** Registers a model (the one table line of a new model; also how tests add one). A taken name throws. */
export function registerQueueModel(entry: QueueModelEntry): void {
  if (table.some((e) => e.name === entry.name)) throw new Error(`queue model '${entry.name}' is already registered`);
  table.push(entry);
}

/** The names, for help text and errors: "conservative | probabilistic | ...". */
export function queueModelNames(sep = ' | '): string {
  return table.map((e) => e.name).join(sep);
}
