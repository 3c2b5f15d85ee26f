import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/core/bus.ts';
import type { Clock } from '../../src/core/clock.ts';
import { LiveClock, LiveTimerDriver, type TimerApi } from '../../src/engine/live-clock.ts';

describe('LiveClock', () => {
  it('anchors once to the wall clock and then follows the monotonic source', () => {
    let mono = 5_000n;
    let wallReads = 0;
    const c = new LiveClock({
      wallMs: () => {
        wallReads++;
        return 1_700_000_000_123;
      },
      monoNs: () => mono,
    });
    expect(c.now()).toBe(1_700_000_000_123_000_000n);
    mono += 2_500n;
    expect(c.now()).toBe(1_700_000_000_123_002_500n);
    expect(wallReads).toBe(1); // a wall-clock step after start cannot move it
  });

  it('never goes back, even if the monotonic source does', () => {
    let mono = 1_000_000n;
    const c = new LiveClock({ wallMs: () => 1_000, monoNs: () => mono });
    mono += 10n;
    const a = c.now();
    mono -= 1_000n;
    expect(c.now()).toBe(a);
    mono += 2_000n;
    expect(c.now()).toBe(a + 1_000n); // monotonic elapsed since start: 10 - 1000 + 2000 ns
  });

  it('by default reads ns since the epoch close to Date.now and non-decreasing', () => {
    const c = new LiveClock();
    const before = BigInt(Date.now()) * 1_000_000n;
    const readings = Array.from({ length: 1000 }, () => c.now());
    for (let i = 1; i < readings.length; i++) expect(readings[i]! >= readings[i - 1]!).toBe(true);
    const drift = (readings[0]! - before) / 1_000_000n; // ms
    expect(drift > -5_000n && drift < 5_000n).toBe(true);
  });
});

/** Fake timer primitives: the test decides when the "setTimeout" fires. */
function fakeTimers() {
  const armed = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const log: string[] = [];
  const api: TimerApi = {
    set: (fn, ms) => {
      const h = next++;
      armed.set(h, { fn, ms });
      log.push(`set ${ms}ms`);
      return h;
    },
    clear: (h) => {
      armed.delete(h as number);
      log.push('clear');
    },
  };
  const fire = (): void => {
    const [h, t] = [...armed.entries()][0] ?? [];
    if (h === undefined || t === undefined) throw new Error('nothing armed');
    armed.delete(h);
    t.fn();
  };
  return { api, armed, log, fire };
}

const MS = 1_000_000n;

describe('LiveTimerDriver', () => {
  function setup(onError?: (e: unknown) => void) {
    let wall = 1_000n * MS;
    const clock: Clock = { now: () => wall };
    const k = new Kernel<string>({ startNs: wall, tsOf: () => wall });
    const fired: string[] = [];
    k.onTimer((t, kk) => fired.push(`${t.name}@${kk.now() / MS}ms`));
    const fake = fakeTimers();
    const driver = new LiveTimerDriver(k, clock, { timers: fake.api, ...(onError ? { onError } : {}) });
    return { k, driver, fake, fired, setWall: (ms: bigint) => (wall = ms * MS) };
  }

  it('arms one timeout for the earliest due timer, idempotently, and re-arms when an earlier one appears', () => {
    const { k, driver, fake } = setup();
    driver.arm();
    expect(fake.log).toEqual([]); // nothing pending
    k.schedule(1_250n * MS, 'a');
    driver.arm();
    driver.arm();
    expect(fake.log).toEqual(['set 250ms']);
    k.schedule(1_100n * MS, 'earlier');
    driver.arm();
    expect(fake.log).toEqual(['set 250ms', 'clear', 'set 100ms']);
    expect(fake.armed.size).toBe(1);
    expect(driver.armedDueNs).toBe(1_100n * MS);
  });

  it('on wake-up advances the kernel to now, fires what is due, and re-arms for the next', () => {
    const { k, driver, fake, fired, setWall } = setup();
    k.schedule(1_100n * MS, 'a');
    k.schedule(1_300n * MS, 'b');
    driver.arm();
    setWall(1_100n);
    fake.fire();
    expect(fired).toEqual(['a@1100ms']);
    expect(k.now()).toBe(1_100n * MS);
    expect(fake.log).toEqual(['set 100ms', 'set 200ms']);
    setWall(1_350n);
    fake.fire();
    expect(fired).toEqual(['a@1100ms', 'b@1300ms']);
    expect(k.now()).toBe(1_350n * MS);
    expect(fake.armed.size).toBe(0);
  });

  it('an early wake-up does not fire timers before their due time', () => {
    const { k, driver, fake, fired, setWall } = setup();
    k.schedule(1_100n * MS, 'a');
    driver.arm();
    setWall(1_099n);
    fake.fire();
    expect(fired).toEqual([]);
    expect(fake.log).toEqual(['set 100ms', 'set 1ms']);
  });

  it('dispose clears the armed timeout and stops arming', () => {
    const { k, driver, fake } = setup();
    k.schedule(1_100n * MS, 'a');
    driver.arm();
    driver[Symbol.dispose]();
    expect(fake.armed.size).toBe(0);
    driver.arm();
    expect(fake.armed.size).toBe(0);
  });

  it('a handler error goes to onError and the driver stops', () => {
    const errors: unknown[] = [];
    const { k, driver, fake, setWall } = setup((e) => errors.push(e));
    k.onTimer(() => {
      throw new Error('strategy bug');
    });
    k.schedule(1_100n * MS, 'a');
    k.schedule(1_200n * MS, 'b');
    driver.arm();
    setWall(1_150n);
    fake.fire();
    expect(String(errors[0])).toContain('strategy bug');
    expect(fake.armed.size).toBe(0);
  });

  it('with real timers and a LiveClock, a timer fires on its own (unref\'d timeout)', async () => {
    const clock = new LiveClock();
    const k = new Kernel<string>({ startNs: clock.now(), tsOf: () => clock.now() });
    const driver = new LiveTimerDriver(k, clock);
    const fired = new Promise<bigint>((resolve) => k.onTimer((_t, kk) => resolve(kk.now())));
    const due = clock.now() + 5n * MS;
    k.schedule(due, 'soon');
    driver.arm();
    const at = await fired;
    expect(at >= due).toBe(true);
    expect(k.pendingTimers).toBe(0);
    driver.dispose();
  });
});
