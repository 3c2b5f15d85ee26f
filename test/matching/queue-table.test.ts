/**
 * The queue-model table (src/core/matching/queue/table.ts) is the one list of models: the config parser,
 * the `--queue` help text and the README's engine-options row read it. A new model is one file plus one
 * table line: a test-only model (fixtures/front-queue.ts) registered through the table's API is accepted by
 * the config parser, listed by --help and used by the paper exchange.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli.ts';
import { queueModelNamed, queueModels, registerQueueModel } from '../../src/core/matching/queue.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { frontQueue } from './fixtures/front-queue.ts';
import { Harness, MS, T0, YES, lv, snapshot, trade } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function helpOf(cmd: string): string {
  const c = buildProgram().commands.find((x) => x.name() === cmd)!;
  return c.helpInformation();
}
/** Model names a help text offers for a flag: the "a | b | c" list after "queue model:". */
function helpModels(help: string, flag: string): string[] {
  const line = help.replace(/\n\s+/g, ' ').split(flag)[1] ?? '';
  const m = /queue model: ([^()]*?)(?: \(default|$)/.exec(line);
  return m === null ? [] : m[1]!.split('|').map((s) => s.trim());
}

describe('the queue-model table', () => {
  const names = queueModels().map((e) => e.name);

  it('holds today\'s models, each resolvable by name', () => {
    expect(names).toEqual(['conservative', 'probabilistic', 'prob-power2', 'prob-power3', 'prob-log']);
    for (const n of names) expect(queueModelNamed(n)!.make().name).toMatch(/^(conservative|power2|power3|log)$/);
  });

  it('replay, live and sweep help list exactly the table', () => {
    expect(helpModels(helpOf('replay'), '--queue ')).toEqual(names);
    expect(helpModels(helpOf('live'), '--queue ')).toEqual(names);
    expect(helpModels(helpOf('sweep'), '--queue-model ')).toEqual(names);
  });

  it('the README --queue row lists exactly the table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `--queue` |'))!;
    const listed = [...new Set([...row.matchAll(/`([a-z][a-z0-9-]*)`/g)].map((m) => m[1]!))].filter((n) => !n.startsWith('-') && n !== 'poly');
    expect(listed.sort()).toEqual([...names].sort());
  });

  it('an unknown model is a one-line error listing the table', async () => {
    await expect(engineSettings({ queue: 'fifo' })).rejects.toThrow(`--queue 'fifo' is not a queue model: use ${names.join(', ')}`);
  });
});

describe('a new model is one file plus one table line', () => {
  // the one table line of the new model (a real model would add it to table.ts)
  beforeAll(() => registerQueueModel({ name: 'test-front', summary: 'test only: joins at the front of the queue', make: () => frontQueue }));

  it('is taken by the config parser and listed by --help', async () => {
    const s = await engineSettings({ queue: 'test-front' });
    expect(s.fill.queue).toBe(frontQueue);
    expect(helpModels(helpOf('replay'), '--queue ')).toContain('test-front');
  });

  it('a taken name is refused', () => {
    expect(() => registerQueueModel({ name: 'conservative', summary: '', make: () => frontQueue })).toThrow(/already registered/);
  });

  it('drives the paper exchange: a print fills the front-of-queue order that the conservative model keeps waiting', async () => {
    const run = (h: Harness) => {
      h.feed(snapshot(T0, YES, [lv('0.48', '100')], [lv('0.50', '100')]));
      h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' });
      return h.feed(trade(T0 + MS, '0.48', '10', 'SELL')).filter((e) => e.type === 'order_filled').length;
    };
    expect(run(new Harness())).toBe(0); // conservative: 100 shares ahead absorb the print
    expect(run(new Harness({ queue: (await engineSettings({ queue: 'test-front' })).fill.queue }))).toBe(1);
  });
});
