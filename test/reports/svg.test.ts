import { describe, expect, it } from 'vitest';
import { renderReports } from '../../src/core/reports/render.ts';
import { escapeXml, niceScale, renderEquitySvg, SVG_MAX_FILL_MARKERS, timeTicks, type EquitySvgInput } from '../../src/core/reports/svg.ts';
import { NS_PER_S } from '../../src/core/time.ts';
import { D } from '../../src/core/types/fixed.ts';
import { at, handRun, usd } from './helpers.ts';

/** A tiny XML check: one root, every tag closed in order, attributes quoted, entities known, no stray '<' or '&'. */
function assertWellFormed(xml: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let pos = 0;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const between = xml.slice(pos, m.index);
    if (between.includes('<') || between.includes('>')) throw new Error(`stray markup before offset ${m.index}: ${between.slice(0, 60)}`);
    for (const amp of between.matchAll(/&[^;\s]*;?/g)) if (!/^&(amp|lt|gt|quot|apos);$/.test(amp[0])) throw new Error(`bad entity ${amp[0]}`);
    pos = re.lastIndex;
    const [, close, name, , selfClose] = m;
    seen.push(name!);
    if (close === '/') {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (selfClose !== '/') {
      if (stack.length === 0) roots += 1;
      stack.push(name!);
    } else if (stack.length === 0) {
      roots += 1;
    }
  }
  if (xml.slice(pos).trim() !== '') throw new Error(`trailing text: ${xml.slice(pos, pos + 60)}`);
  if (stack.length !== 0) throw new Error(`unclosed: ${stack.join(',')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return seen;
}

function input(over: Partial<EquitySvgInput> = {}): EquitySvgInput {
  return {
    title: 'A & B <test> "q"',
    startNs: at(0),
    endNs: at(180),
    initialCash: usd('1000'),
    points: [
      { tsNs: at(0), equity: usd('1000') },
      { tsNs: at(60), equity: usd('1005') },
      { tsNs: at(120), equity: usd('998') },
      { tsNs: at(180), equity: usd('1015.25235') },
    ],
    fills: [
      { tsNs: at(2), side: 'BUY' },
      { tsNs: at(3), side: 'SELL' },
      { tsNs: at(70), side: 'SELL' },
    ],
    finalEquity: usd('1015.25235'),
    pnl: usd('15.25235'),
    maxDrawdown: usd('7'),
    ...over,
  };
}

const pathD = (svg: string, color: string): string | undefined => new RegExp(`<path d="([^"]*)" fill="${color}"`).exec(svg)?.[1];

describe('equity.svg', () => {
  it('is well-formed, self-contained and escapes text', () => {
    const svg = renderEquitySvg(input());
    const tags = assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(tags.filter((t) => t === 'svg')).toHaveLength(2); // open + close
    expect(svg).toContain('A &amp; B &lt;test&gt; &quot;q&quot;');
    expect(svg).not.toMatch(/href|<script|<image|@import|url\(|NaN|Infinity/);
    expect(svg).toContain('final equity $1015.25235 | P&amp;L $15.25235 | max drawdown $7');
  });

  it('is deterministic', () => {
    expect(renderEquitySvg(input())).toBe(renderEquitySvg(input()));
    const a = renderReports(handRun().input)['equity.svg'];
    expect(a).toBe(renderReports(handRun().input)['equity.svg']);
    assertWellFormed(a);
  });

  it('draws the equity step line, the drawdown area and one marker per fill', () => {
    const svg = renderEquitySvg(input());
    // equity axis 995..1020 step 5 (range 17.25 / 5 -> 5), drawdown axis -10..0
    for (const label of ['995', '1000', '1005', '1010', '1015', '1020', '-10', '-5', '0']) expect(svg).toContain(`>${label}</text>`);
    // x axis: 180 s at 30 s steps, 11:00:00 .. 11:03:00
    for (const label of ['11:00:00', '11:00:30', '11:03:00']) expect(svg).toContain(`>${label}</text>`);
    const line = /<path d="(M[^"]*)" fill="none" stroke="#0b5cad"/.exec(svg)?.[1];
    expect(line).toBeDefined();
    expect(line!.match(/V/g)).toHaveLength(3); // three steps after the first sample
    const buys = pathD(svg, '#1a7f37');
    const sells = pathD(svg, '#cf222e');
    expect(buys!.match(/Z/g)).toHaveLength(1);
    expect(sells!.match(/Z/g)).toHaveLength(2);
    const area = /<path d="([^"]*)" fill="#f6c3c6"/.exec(svg)?.[1];
    expect(area!.endsWith('Z')).toBe(true);
  });

  it('omits fill markers when there are too many, and says so', () => {
    const fills = Array.from({ length: SVG_MAX_FILL_MARKERS + 1 }, (_, i) => ({ tsNs: at(i % 180), side: 'BUY' as const }));
    const svg = renderEquitySvg(input({ fills }));
    expect(pathD(svg, '#1a7f37')).toBeUndefined();
    expect(svg).toContain(`${SVG_MAX_FILL_MARKERS + 1} fills (markers omitted above ${SVG_MAX_FILL_MARKERS})`);
    assertWellFormed(svg);
  });

  it('reduces a long series per pixel column but keeps its extremes', () => {
    const n = 20_000;
    const points = Array.from({ length: n }, (_, i) => ({ tsNs: at(0) + BigInt(i) * NS_PER_S, equity: i === 12_345 ? 0n : usd('1000') + BigInt(i % 7) * 10_000_000_000n }));
    const svg = renderEquitySvg(input({ points, endNs: at(n - 1), fills: [] }));
    assertWellFormed(svg);
    const line = /<path d="(M[^"]*)" fill="none" stroke="#0b5cad"/.exec(svg)![1]!;
    const vs = [...line.matchAll(/V([\d.]+)/g)].map((m) => Number(m[1]));
    expect(vs.length).toBeLessThan(4 * 900);
    // the single dip to 0 is the bottom of the equity panel (y = 70 + 300)
    expect(Math.max(...vs)).toBe(370);
    expect(svg).toContain('>0</text>');
  });

  it('renders a flat curve and a single sample without dividing by zero', () => {
    const one = renderEquitySvg(input({ points: [{ tsNs: at(0), equity: usd('1000') }], startNs: at(0), endNs: at(0), fills: [] }));
    assertWellFormed(one);
    expect(one).not.toMatch(/NaN|Infinity/);
  });
});

describe('svg scales', () => {
  it('niceScale picks 1/2/5 steps and round bounds, exactly', () => {
    const s = niceScale(new D('998'), new D('1015.25235'));
    expect([s.lo.toString(), s.hi.toString(), s.step.toString(), s.dp]).toEqual(['995', '1020', '5', 0]);
    expect(s.ticks.map(String)).toEqual(['995', '1000', '1005', '1010', '1015', '1020']);
    const z = niceScale(new D(0), new D(0));
    expect([z.lo.toString(), z.hi.toString(), z.step.toString(), z.dp]).toEqual(['-1', '1', '0.5', 1]);
    const small = niceScale(new D('0.1234'), new D('0.1299'));
    expect([small.step.toString(), small.dp]).toEqual(['0.002', 3]);
  });

  it('timeTicks lands on round UTC times', () => {
    const t = timeTicks(at(7), at(187));
    expect(t.stepNs).toBe(30n * NS_PER_S);
    expect(t.ticks).toEqual([at(30), at(60), at(90), at(120), at(150), at(180)]);
    const days = timeTicks(at(0), at(0) + 30n * 86_400n * NS_PER_S);
    expect(days.stepNs).toBe(7n * 86_400n * NS_PER_S);
  });

  it('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
