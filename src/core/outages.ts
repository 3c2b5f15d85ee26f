/**
 * Feed outages: when did market data stop, and when did it come back? One rule, used by replay (the
 * kernel's disconnect count and its feed-loss handling) and by `poly inspect` (the gap list), so the
 * two always agree. Pure: it reads raw records in recorded order and nothing else (no manifest), so it
 * works on every recording already made and never rewrites one.
 *
 * Definitions (WebSocket sources only: market_ws, user_ws, rtds_ws)
 * - A connection (conn id) is LIVE once it has an `open` record or has delivered a data frame.
 * - Data = a `frame` whose text is JSON (`{` or `[`); `PONG` / `NO NEW ASSETS` prove liveness, not data.
 * - One outage per live connection that goes down, revealed by its FIRST `error` row or its first
 *   `close` that is not our own clean stop. The stale detector writes an `error` ("stale: ...") and then
 *   the socket's `close 1006`: that is ONE outage (cause 'stale'), not two.
 * - Our own clean stop — `close` with code 1000 and reason 'client stop' (end of a session, a shard
 *   left without assets) — is not an outage. A server's close 1000 is one: the client redials.
 * - A dial that never opened (connection refused while redialling) is part of the outage already under
 *   way, not a new one.
 * - `fromNs` is the last data frame of the connection before it went down (its open when it had none):
 *   a stale connection is measured from when data stopped, not from when the detector noticed.
 * - `toNs` is the next `open` on the same source (null while still down).
 * - Crash: recorder sessions are told apart by the conn-id prefix `s<firstSeq>.` that every session
 *   after the first puts on its ids (src/recorder/record-session.ts); a `<scope>/` prefix (recordings
 *   merge) keeps inputs apart. When a new session starts in a scope while connections of the previous
 *   one are still live (no close record: the process was killed or the machine died), each of them is an
 *   outage with cause 'crash', from the old session's last record (any source) to the new session's
 *   first record, revealed by that first record. A cleanly stopped session closed its sockets, so it
 *   leaves nothing live and its restart is not an outage.
 *
 * Memory: only live connections and outages still waiting for a reopen are held.
 */
import type { RawRecord } from './types/raw.ts';

export type OutageSource = 'market_ws' | 'user_ws' | 'rtds_ws';
export type OutageCause = 'stale' | 'error' | 'close' | 'crash';

export interface Outage {
  readonly source: OutageSource;
  readonly conn: string;
  readonly cause: OutageCause;
  /** One line: the error text, the close code and reason, or what the crash left behind. */
  readonly detail: string;
  /** Start: last data frame on the connection (else its open); for a crash, the old session's last record. */
  readonly fromNs: bigint;
  /** The record that revealed the outage (error / close row, or the new session's first record). */
  readonly detectedNs: bigint;
  readonly detectedSeq: number;
  /** End: the next open on the same source (for a crash, the new session's first record); null while down. */
  toNs: bigint | null;
}

/** The close our own client writes when it stops a socket on purpose (ws-conn.ts). */
export const CLIENT_STOP_CODE = 1000;
export const CLIENT_STOP_REASON = 'client stop';


interface ConnState {
  readonly source: OutageSource;
  readonly scope: string;
  live: boolean;
  down: boolean;
  openNs: bigint | null;
  lastDataNs: bigint | null;
}

interface ScopeState {
  session: string;
  lastNs: bigint;
}

/** Scope (text up to the last '/') and session (the `s<N>.` prefix after it, '' for the first session). */
export function sessionOfConn(conn: string): { scope: string; session: string } {
  const slash = conn.lastIndexOf('/');
  const scope = slash < 0 ? '' : conn.slice(0, slash);
  const rest = slash < 0 ? conn : conn.slice(slash + 1);
  const m = /^s(\d+)\./.exec(rest);
  return { scope, session: m === null ? '' : (m[1] as string) };
}

/** True when a frame's payload is data (JSON object or array after blanks), not a text heartbeat: the outage rule's test. */
export function isData(payload: string): boolean {
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123 || c === 91;
  }
  return false;
}

function closeDetail(r: RawRecord): string {
  return [r.meta.code === undefined ? '' : `code ${r.meta.code}`, r.meta.reason ?? '', r.payload.slice(0, 120)].filter((s) => s !== '').join(' ');
}

/** The shared empty answer of observe() (never pushed to: observe makes a fresh array when it finds one). */
const NONE: Outage[] = [];
Object.freeze(NONE);

export class OutageTracker {
  private readonly conns = new Map<string, ConnState>();
  private readonly scopes = new Map<string, ScopeState>();
  private readonly waiting = new Map<OutageSource, Outage[]>();
  /** sessionOfConn of the last record's connection (records of one connection come in runs). */
  private lastConn: string | null = null;
  private lastScope = '';
  private lastSession = '';
  private lastSc: ScopeState | null = null;
  private lastScKey = '';

  /**
   * Feeds one record (recorded order). Returns the outages this record reveals (usually none): a crash
   * outage for each connection the previous session left live, or the outage of a connection going down.
   */
  observe(r: RawRecord): Outage[] {
    // hot path (every record): the usual record reveals nothing, so the result array is made on demand
    let found: Outage[] = NONE;
    if (r.conn !== this.lastConn) {
      const so = sessionOfConn(r.conn);
      this.lastConn = r.conn;
      this.lastScope = so.scope;
      this.lastSession = so.session;
    }
    const scope = this.lastScope;
    const session = this.lastSession;
    // scope states are never removed: the last one is kept for the run of records of one connection
    const sc = this.lastSc !== null && this.lastScKey === scope ? this.lastSc : this.scopes.get(scope);
    if (sc === undefined) {
      const fresh = { session, lastNs: r.recvNs };
      this.scopes.set(scope, fresh);
      this.lastSc = fresh;
      this.lastScKey = scope;
    } else {
      this.lastSc = sc;
      this.lastScKey = scope;
      if (sc.session !== session) {
        found = [];
        this.crash(scope, sc.lastNs, r, found);
        sc.session = session;
      }
      sc.lastNs = r.recvNs;
    }
    const src = r.source;
    if (src !== 'market_ws' && src !== 'user_ws' && src !== 'rtds_ws') return found; // WS, without a Set lookup per record
    const source = r.source as OutageSource;
    let c = this.conns.get(r.conn);
    switch (r.kind) {
      case 'open':
        if (c === undefined) {
          c = { source, scope, live: true, down: false, openNs: r.recvNs, lastDataNs: null };
          this.conns.set(r.conn, c);
        } else {
          c.live = true;
          c.openNs ??= r.recvNs;
        }
        this.reopened(source, r.recvNs);
        break;
      case 'frame':
        if (!isData(r.payload)) break;
        if (c === undefined) {
          c = { source, scope, live: true, down: false, openNs: null, lastDataNs: null };
          this.conns.set(r.conn, c);
        }
        c.live = true;
        c.lastDataNs = r.recvNs;
        break;
      case 'error':
      case 'close': {
        const clean = r.kind === 'close' && r.meta.code === CLIENT_STOP_CODE && r.meta.reason === CLIENT_STOP_REASON;
        if (c !== undefined && c.live && !c.down && !clean) {
          const cause: OutageCause = r.kind === 'close' ? 'close' : /^stale\b/.test(r.payload) ? 'stale' : 'error';
          const o: Outage = {
            source,
            conn: r.conn,
            cause,
            detail: r.kind === 'close' ? closeDetail(r) : r.payload.slice(0, 200),
            fromNs: c.lastDataNs ?? c.openNs ?? r.recvNs,
            detectedNs: r.recvNs,
            detectedSeq: r.seq,
            toNs: null,
          };
          c.down = true;
          if (found === NONE) found = [];
          found.push(o);
          this.wait(o);
        }
        // a close ends the connection; an error leaves it until its close (which is then not a new outage)
        if (r.kind === 'close') this.conns.delete(r.conn);
        else if (c !== undefined) c.down = true;
        else this.conns.set(r.conn, { source, scope, live: false, down: true, openNs: null, lastDataNs: null });
        break;
      }
      default:
        break;
    }
    return found;
  }

  /** Outages still waiting for their source to reopen. */
  pending(): Outage[] {
    return [...this.waiting.values()].flat();
  }

  private crash(scope: string, lastNs: bigint, r: RawRecord, found: Outage[]): void {
    for (const [id, c] of [...this.conns]) {
      if (c.scope !== scope) continue;
      this.conns.delete(id);
      if (!c.live || c.down) continue;
      found.push({
        source: c.source,
        conn: id,
        cause: 'crash',
        detail: 'the recorder session ended without closing this connection (killed or crashed); nothing was recorded until the next session',
        fromNs: lastNs,
        detectedNs: r.recvNs,
        detectedSeq: r.seq,
        toNs: r.recvNs,
      });
    }
  }

  private wait(o: Outage): void {
    const list = this.waiting.get(o.source);
    if (list === undefined) this.waiting.set(o.source, [o]);
    else list.push(o);
  }

  private reopened(source: OutageSource, ns: bigint): void {
    const list = this.waiting.get(source);
    if (list === undefined) return;
    for (const o of list) o.toNs = ns;
    this.waiting.delete(source);
  }
}
