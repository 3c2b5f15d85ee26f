/**
 * `poly import jsonl`: the accepted line shapes, the unit rules for receive times, bad lines counted and
 * reported with their line numbers, several files merged by time, and the result replaying like a recording.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { importJsonl, parseJsonlLine, parseRecvTime } from '../../src/import/jsonl.ts';
import { provenanceOf } from '../../src/import/provenance.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { bookPair, market, tradeMsg } from './helpers.ts';

afterAll(cleanupTempDirs);

const M = market(1);

async function all(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

describe('receive times', () => {
  it('detects ns / us / ms / s by magnitude, exactly, and takes ISO-8601 UTC', () => {
    expect(parseRecvTime('1777636800123456789', 'auto')).toBe(1777636800123456789n);
    expect(parseRecvTime('1777636800123456', 'auto')).toBe(1777636800123456000n);
    expect(parseRecvTime('1777636800123.456', 'auto')).toBe(1777636800123456000n);
    expect(parseRecvTime('1777636800123', 'auto')).toBe(1777636800123000000n);
    expect(parseRecvTime('1777636800.123456789', 'auto')).toBe(1777636800123456789n);
    expect(parseRecvTime('1777636800', 'auto')).toBe(1777636800000000000n);
    expect(parseRecvTime('2026-05-01T12:00:00.123456789Z', 'auto')).toBe(1777636800123456789n);
    expect(parseRecvTime('123', 'ms')).toBe(123_000_000n); // an explicit unit is taken as is
    expect(parseRecvTime('1234567', 'auto')).toBe('1234567 is too small to be an epoch time (seconds, ms, us or ns after 1973)');
    expect(parseRecvTime('1777636800123.4567891', 'auto')).toBe('1777636800123.4567891 has more fraction digits than nanoseconds');
    expect(parseRecvTime('soon', 'auto')).toBe("'soon' is not a receive time (a number or ISO-8601 UTC)");
  });

  it('reads each accepted line shape; a JSON number time is taken from its text (no float rounding)', () => {
    const frame = '{"event_type":"book"}';
    expect(parseJsonlLine(`{"recv_ts": 1777636800123456789, "frame": ${JSON.stringify(frame)}}`)).toEqual({ ns: 1777636800123456789n, frame, source: null, conn: null });
    expect(parseJsonlLine(`{"recv_us":1777636800123456,"data":{"event_type":"book"},"source":"rtds","conn":"a"}`)).toEqual({ ns: 1777636800123456000n, frame, source: 'rtds_ws', conn: 'a' });
    expect(parseJsonlLine(`{"local_timestamp":"2026-05-01T12:00:00Z","message":"PONG"}`)).toEqual({ ns: 1777636800000000000n, frame: 'PONG', source: null, conn: null });
    expect(parseJsonlLine(`1777636800123456789 ${frame}`)).toEqual({ ns: 1777636800123456789n, frame, source: null, conn: null });
    expect(parseJsonlLine(`1777636800123 [${frame}]`)).toEqual({ ns: 1777636800123000000n, frame: `[${frame}]`, source: null, conn: null });
    expect(parseJsonlLine(`{"frame":"x"}`)).toMatch(/^no receive time field/);
    expect(parseJsonlLine(`{"recv_ns":1}`)).toMatch(/^no frame field/);
    expect(parseJsonlLine(`{"recv_ns":1, "frame": "x"`)).toMatch(/^not JSON/);
    expect(parseJsonlLine(`{"recv_ms":1777636800123,"frame":"x","source":"kafka"}`)).toBe('source "kafka" is not market_ws, rtds_ws or user_ws');
    expect(parseJsonlLine('hello')).toBe('neither a JSON object nor `<receive time> <frame>`');
  });
});

describe('poly import jsonl', () => {
  it('imports two capture files merged by time, keeps frame text byte for byte, and reports every bad line with its line number', async () => {
    const dir = tempDir();
    const [y, n] = bookPair(M, 50, 1);
    const t = 1777636800000; // 2026-05-01T12:00Z, ms
    const a = [
      JSON.stringify({ recv_ns: String(BigInt(t) * 1_000_000n + 5n), frame: JSON.stringify([y, n]) }),
      '',
      `${(t + 10) * 1000} ${JSON.stringify(tradeMsg(M, M.yes, 51, '3', 'BUY', t + 9))}`,
      'not a line at all',
      JSON.stringify({ recv_ms: t + 30, frame: '{"broken json' }),
    ].join('\n');
    const b = [
      `${(t + 20) * 1_000_000} ${JSON.stringify(tradeMsg(M, M.no, 49, '2', 'SELL', t + 19))}`,
      '{"frame": "PONG"}',
    ].join('\n');
    await writeFile(join(dir, 'a.jsonl'), `${a}\n`);
    await writeFile(join(dir, 'b.jsonl.gz'), gzipSync(`${b}\n`));
    const warnings: string[] = [];
    const out = join(dir, 'rec');
    const s = await importJsonl({ files: [join(dir, 'a.jsonl'), join(dir, 'b.jsonl.gz')], out, onWarn: (m) => warnings.push(m) });
    expect(s).toMatchObject({ state: 'written', files: 2, lines: 7, badLines: 2 });
    expect(warnings).toEqual([
      "a.jsonl:4: bad line ('not' is not a receive time (a number or ISO-8601 UTC)); not imported",
      'b.jsonl.gz:2: bad line (no receive time field (one of recv_ns, recv_us, recv_ms, recv_ts, recv_time, local_timestamp, received_at, ts, timestamp)); not imported',
    ]);
    const recs = await all(out);
    expect(recs.map((r) => [r.kind, r.conn, r.recvNs - BigInt(t) * 1_000_000n])).toEqual([
      ['open', 'f1.jsonl-1', 5n],
      ['frame', 'f1.jsonl-1', 5n],
      ['frame', 'f1.jsonl-1', 10_000_000n],
      ['open', 'f2.jsonl-2', 20_000_000n],
      ['frame', 'f2.jsonl-2', 20_000_000n],
      ['close', 'f2.jsonl-2', 20_000_000n],
      ['frame', 'f1.jsonl-1', 30_000_000n],
      ['close', 'f1.jsonl-1', 30_000_000n],
    ]);
    expect(recs[1]?.payload).toBe(JSON.stringify([y, n]));
    // the broken frame is kept and counted by the normalizer on replay, like a recorded one
    expect(normalizeRecord(recs[6] as RawRecord).map((e) => e.type)).toEqual(['normalization_error']);
    const prov = provenanceOf(await readManifest(out));
    expect(prov?.format).toBe('jsonl');
    expect(prov?.badLines).toEqual({
      count: 2,
      samples: [
        { file: 'a.jsonl', line: 4, reason: "'not' is not a receive time (a number or ISO-8601 UTC)" },
        { file: 'b.jsonl.gz', line: 2, reason: 'no receive time field (one of recv_ns, recv_us, recv_ms, recv_ts, recv_time, local_timestamp, received_at, ts, timestamp)' },
      ],
    });
    expect(prov?.inputs.map((i) => [i.name, i.rowsInFile, i.rowsImported, i.skipped])).toEqual([
      ['a.jsonl', 5, 3, { bad: 1, blank: 1 }],
      ['b.jsonl.gz', 2, 1, { bad: 1, blank: 0 }],
    ]);
    // the CLI: the same, idempotent, and a file with nothing usable is one line
    const cli = await polyIn('import', 'jsonl', join(dir, 'a.jsonl'), join(dir, 'b.jsonl.gz'), '--out', out);
    expect(cli.stdout).toBe(`poly import: ${out} is up to date (same inputs; nothing written)\n`);
    await mkdir(join(dir, 'junk'));
    await writeFile(join(dir, 'junk', 'x.jsonl'), 'nope\n');
    const junk = await polyIn('import', 'jsonl', join(dir, 'junk', 'x.jsonl'), '--out', join(dir, 'y'));
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain("poly: no line of x.jsonl could be imported (1 bad, e.g. neither a JSON object nor `<receive time> <frame>`)");
    const insp = await polyIn('inspect', out);
    expect(insp.stdout).toContain('bad lines 2 (not imported):');
    expect(insp.stdout).toContain("    a.jsonl:4: 'not' is not a receive time");
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).createdBy).toBe('poly import jsonl');
  });
});
