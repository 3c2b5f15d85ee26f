/*
 * poly report.html browser script: draws the charts from the embedded #poly-data block with uPlot (inlined
 * before this script) and wires the table filters. Plain ES2020, no dependencies besides uPlot, no network.
 * Numbers: chart coordinates are JS numbers; every value a person reads (legends, tooltips, tables) is an
 * exact string from the run's files, carried beside the coordinates.
 * Each chart element gets data-drawn="true" and data-points="<n>" once drawn (the browser test reads them).
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('poly-data').textContent);
  var charts = [];
  var C = { mid: '#0b5cad', bid: '#1a7f37', ask: '#cf222e', buy: '#1a7f37', sell: '#cf222e', cancel: '#6e7781', cash: '#8250df', eq: '#0b5cad', dd: '#cf222e', grid: '#eaeef2', est: '#bf8700', info: '#8c959f' };
  var PALETTE = ['#0b5cad', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#0a7a7a', '#a40e26', '#6639ba'];
  var utc = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
  var px = function (n) { return n * uPlot.pxRatio; };

  function width(el) {
    var w = el.parentElement ? el.parentElement.clientWidth : 900;
    return Math.max(480, Math.min(1400, w - 8));
  }

  function exact(strings) {
    return function (u, v, si, idx) { return idx == null ? '—' : (strings[idx] == null ? '—' : strings[idx]); };
  }

  /** Forward-fills arrays onto a merged x axis. */
  function align(baseX, baseCols, extraX) {
    var xs = baseX.concat(extraX).slice().sort(function (a, b) { return a - b; });
    var uniq = [];
    for (var i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) uniq.push(xs[i]);
    var cols = baseCols.map(function () { return new Array(uniq.length).fill(null); });
    var j = -1;
    for (var k = 0; k < uniq.length; k++) {
      while (j + 1 < baseX.length && baseX[j + 1] <= uniq[k]) j++;
      for (var c = 0; c < baseCols.length; c++) cols[c][k] = j >= 0 ? baseCols[c][j] : null;
    }
    return { x: uniq, cols: cols };
  }

  /** A marker column on x: each marker at its own x (same-x collisions nudged by 1 microsecond). */
  function markerColumns(x, markers) {
    var used = {};
    var all = x.slice();
    var placed = markers.map(function (m) {
      return m.x.map(function (t, i) {
        var key = m.kind + ':' + t;
        var nudge = 0;
        while (used[key] != null) { nudge += 1e-6; key = m.kind + ':' + (t + nudge); }
        used[key] = true;
        all.push(t + nudge);
        return { x: t + nudge, y: m.y[i], label: m.label[i] };
      });
    });
    return { extraX: all.slice(x.length), placed: placed };
  }

  function shape(kind) {
    return function (u, si, i0, i1) {
      var d = u.data[si], xd = u.data[0], p = new Path2D(), r = px(kind === 'buy' || kind === 'sell' ? 6 : 4.5);
      for (var i = i0; i <= i1; i++) {
        if (d[i] == null) continue;
        var cx = u.valToPos(xd[i], 'x', true), cy = u.valToPos(d[i], u.series[si].scale, true);
        if (kind === 'buy') { p.moveTo(cx, cy - r); p.lineTo(cx + r, cy + r * 0.8); p.lineTo(cx - r, cy + r * 0.8); p.closePath(); }
        else if (kind === 'sell') { p.moveTo(cx, cy + r); p.lineTo(cx + r, cy - r * 0.8); p.lineTo(cx - r, cy - r * 0.8); p.closePath(); }
        else if (kind === 'cancel') { p.moveTo(cx - r, cy - r); p.lineTo(cx + r, cy + r); p.moveTo(cx + r, cy - r); p.lineTo(cx - r, cy + r); }
        else { p.moveTo(cx + r, cy); p.arc(cx, cy, r, 0, 2 * Math.PI); }
      }
      return kind === 'cancel' || kind === 'place_buy' || kind === 'place_sell' ? { stroke: p, fill: null } : { stroke: p, fill: p };
    };
  }

  var MARK = {
    buy: { label: 'our buy fills', stroke: C.buy, fill: C.buy },
    sell: { label: 'our sell fills', stroke: C.sell, fill: C.sell },
    place_buy: { label: 'buy placed', stroke: C.buy, fill: 'rgba(0,0,0,0)' },
    place_sell: { label: 'sell placed', stroke: C.sell, fill: 'rgba(0,0,0,0)' },
    cancel: { label: 'canceled', stroke: C.cancel, fill: 'rgba(0,0,0,0)' },
  };

  function make(el, opts, d, points) {
    opts.width = width(el);
    var u = new uPlot(opts, d, el);
    charts.push({ u: u, el: el });
    el.dataset.drawn = 'true';
    el.dataset.points = String(points);
    return u;
  }

  var stepped = uPlot.paths.stepped({ align: 1 });
  var fmtS = uPlot.fmtDate('{HH}:{mm}:{ss}'), fmtM = uPlot.fmtDate('{HH}:{mm}'), fmtD = uPlot.fmtDate('{YYYY}-{MM}-{DD}'), fmtFull = uPlot.fmtDate('{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}.{fff}');
  var timeAxis = {
    stroke: '#57606a', grid: { stroke: C.grid }, size: 44,
    values: function (u, splits, ai, space, incr) {
      var last = null;
      return splits.map(function (v) {
        var d = utc(v), day = fmtD(d), t = incr >= 86400 ? day : incr < 60 ? fmtS(d) : fmtM(d);
        var out = incr < 86400 && day !== last ? t + '\n' + day : t;
        last = day;
        return out;
      });
    },
  };
  var timeSeries = { label: 'UTC', value: function (u, v) { return v == null ? '—' : fmtFull(utc(v)); } };
  var valAxis = function (label, side, scale) { var a = { label: label, side: side == null ? 3 : side, stroke: '#57606a', grid: { stroke: C.grid, show: side !== 1 }, size: 70 }; if (scale) a.scale = scale; return a; };
  var noPoints = { show: false };
  var cursor = { sync: { key: 'poly-time' }, drag: { x: true, y: false } };

  function priceChart(el, c) {
    var mc = markerColumns(c.x, c.markers);
    var al = align(c.x, [c.bid, c.ask, c.mid, c.bidS, c.askS, c.midS], mc.extraX);
    var xs = al.x;
    var idxOf = {};
    xs.forEach(function (t, i) { idxOf[t] = i; });
    var series = [
      timeSeries,
      { label: 'mid', stroke: C.mid, width: 2, paths: stepped, points: noPoints, value: exact(al.cols[5]) },
      { label: 'best bid', stroke: C.bid, width: 1, paths: stepped, points: noPoints, value: exact(al.cols[3]) },
      { label: 'best ask', stroke: C.ask, width: 1, paths: stepped, points: noPoints, value: exact(al.cols[4]) },
    ];
    var cols = [xs, al.cols[2], al.cols[0], al.cols[1]];
    var n = c.x.length;
    c.markers.forEach(function (m, k) {
      var y = new Array(xs.length).fill(null), lab = new Array(xs.length).fill(null);
      mc.placed[k].forEach(function (p) { var i = idxOf[p.x]; y[i] = p.y; lab[i] = p.label; });
      n += mc.placed[k].length;
      var st = MARK[m.kind];
      series.push({ label: st.label + ' (' + m.total + ')', stroke: st.stroke, paths: function () { return null; }, points: { show: true, size: 10, width: 1.5, stroke: st.stroke, fill: st.fill, paths: shape(m.kind) }, value: exact(lab) });
      cols.push(y);
    });
    make(el, {
      height: 320, tzDate: utc, cursor: cursor, series: series,
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { var pad = Math.max(0.005, (hi - lo) * 0.08); return [Math.max(0, lo - pad), Math.min(1, hi + pad)]; } } },
      axes: [timeAxis, valAxis('price')],
    }, cols, n);
  }

  function positionChart(el, p) {
    var start = data.start, end = data.end;
    var x = p.x.slice(), cash = p.cash.slice(), cashS = p.cashS.slice();
    var series = [timeSeries], cols = [];
    var initial = p.initial == null ? null : Number(p.initial);
    // begin at the run's start with the initial cash and no position, end at the run's end
    if (start != null && (x.length === 0 || x[0] > start)) { x.unshift(start); cash.unshift(initial); cashS.unshift(p.initial); p.series.forEach(function (s) { s.y.unshift(0); s.yS.unshift('0'); }); }
    if (end != null && x.length > 0 && x[x.length - 1] < end) { x.push(end); cash.push(cash[cash.length - 1]); cashS.push(cashS[cashS.length - 1]); p.series.forEach(function (s) { s.y.push(s.y[s.y.length - 1]); s.yS.push(s.yS[s.yS.length - 1]); }); }
    cols.push(x);
    p.series.forEach(function (s, i) {
      series.push({ label: 'shares ' + s.label, stroke: PALETTE[i % PALETTE.length], width: 2, paths: stepped, points: noPoints, scale: 'shares', value: exact(s.yS) });
      cols.push(s.y);
    });
    series.push({ label: 'cash ($)', stroke: C.cash, width: 1.5, dash: [6, 3], paths: stepped, points: noPoints, scale: '$', value: exact(cashS) });
    cols.push(cash);
    make(el, { height: 260, tzDate: utc, cursor: cursor, series: series, scales: { x: { time: true }, shares: { range: function (u, lo, hi) { return [0, Math.max(1, hi) * 1.1]; } } }, axes: [timeAxis, valAxis('shares', 3, 'shares'), valAxis('cash ($)', 1, '$')] }, cols, x.length);
  }

  function equityCharts(eqEl, ddEl, e) {
    var init = e.x.map(function () { return e.initial; });
    make(eqEl, {
      height: 260, tzDate: utc, cursor: cursor, scales: { x: { time: true } },
      series: [timeSeries, { label: 'equity ($)', stroke: C.eq, width: 2, paths: stepped, points: noPoints, value: exact(e.equityS) }, { label: 'initial cash', stroke: C.info, dash: [4, 4], width: 1, points: noPoints, value: function () { return data.initial; } }],
      axes: [timeAxis, valAxis('equity ($)')],
    }, [e.x, e.equity, init], e.x.length);
    make(ddEl, {
      height: 150, tzDate: utc, cursor: cursor, scales: { x: { time: true }, y: { range: function (u, lo) { return [Math.min(lo, -0.01) * 1.1, 0]; } } },
      series: [timeSeries, { label: 'drawdown ($)', stroke: C.dd, fill: 'rgba(207,34,46,0.18)', width: 1, paths: stepped, points: noPoints, value: exact(e.ddS) }],
      axes: [timeAxis, valAxis('drawdown ($)')],
    }, [e.x, e.dd], e.x.length);
  }

  function waterfallChart(el, bars) {
    var xs = bars.map(function (_, i) { return i; });
    var lo = bars.map(function (b) { return Math.min(b.from, b.to); }), hi = bars.map(function (b) { return Math.max(b.from, b.to); });
    var values = bars.map(function (b) { return b.value; });
    make(el, {
      height: 300, cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: false, range: [-0.6, bars.length - 0.4] }, y: { range: function (u, a, b) { var pad = Math.max(0.01, (b - a) * 0.12); return [Math.min(a, 0) - pad, Math.max(b, 0) + pad]; } } },
      series: [{ value: function (u, v) { return v == null ? '' : bars[v].label; } }, { label: 'low', show: true, stroke: 'rgba(0,0,0,0)', paths: function () { return null; }, points: { show: false }, value: exact(values) }, { label: 'high', stroke: 'rgba(0,0,0,0)', paths: function () { return null; }, points: { show: false }, value: function () { return ''; } }],
      legend: { show: false },
      axes: [
        { stroke: '#57606a', grid: { show: false }, splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return bars[i] ? bars[i].label : ''; }); }, size: 56, font: '11px sans-serif' },
        valAxis('$'),
      ],
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, w = (u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true)) * 0.62;
          ctx.save();
          var y0 = u.valToPos(0, 'y', true);
          ctx.strokeStyle = '#57606a'; ctx.lineWidth = px(1);
          ctx.beginPath(); ctx.moveTo(u.bbox.left, y0); ctx.lineTo(u.bbox.left + u.bbox.width, y0); ctx.stroke();
          bars.forEach(function (b, i) {
            var cx = u.valToPos(i, 'x', true), ya = u.valToPos(b.from, 'y', true), yb = u.valToPos(b.to, 'y', true);
            var top = Math.min(ya, yb), h = Math.max(px(2), Math.abs(yb - ya));
            var up = b.to >= b.from;
            ctx.fillStyle = b.kind === 'total' ? (b.to >= 0 ? '#0b5cad' : '#a40e26') : b.kind === 'info' ? C.info : b.kind === 'estimate' ? C.est : (up ? '#2da44e' : '#cf222e');
            ctx.globalAlpha = b.kind === 'estimate' ? 0.7 : 1;
            ctx.fillRect(cx - w / 2, top, w, h);
            ctx.globalAlpha = 1;
            if (i + 1 < bars.length && b.kind === 'step') {
              var yn = u.valToPos(b.to, 'y', true);
              ctx.setLineDash([px(3), px(3)]); ctx.strokeStyle = '#8c959f';
              ctx.beginPath(); ctx.moveTo(cx + w / 2, yn); ctx.lineTo(cx + w / 2 + (u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true)) * 0.38, yn); ctx.stroke();
              ctx.setLineDash([]);
            }
            ctx.fillStyle = '#24292f'; ctx.font = px(11) + 'px sans-serif'; ctx.textAlign = 'center';
            ctx.fillText(b.value, cx, top - px(4));
          });
          ctx.restore();
        }],
      },
    }, [xs, lo, hi], bars.length);
  }

  function calibrationChart(el, bins) {
    var pts = bins.slice().sort(function (a, b) { return a.price - b.price; });
    var x = [0].concat(pts.map(function (b) { return b.price; }), [1]);
    var y = [null].concat(pts.map(function (b) { return b.won; }), [null]);
    var labels = [null].concat(pts.map(function (b) { return b.label; }), [null]);
    make(el, {
      height: 240, width: 380, cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [{ label: 'mean fill price' }, { label: 'perfect calibration', stroke: C.info, dash: [4, 4], width: 1, points: { show: false } }, { label: 'our fills (share-weighted)', stroke: C.mid, paths: function () { return null; }, points: { show: true, size: 11, fill: C.mid, stroke: C.mid }, value: exact(labels) }],
      axes: [{ label: 'mean fill price', stroke: '#57606a', grid: { stroke: C.grid } }, valAxis('won')],
    }, [x, x.slice(), y], pts.length);
    charts[charts.length - 1].fixed = true;
  }

  function qualityChart(el, q) {
    var kinds = q.kinds, seen = {};
    // events at the same instant (a disconnect and the gap it opens) each get their own x (1 microsecond apart)
    var events = q.events.map(function (e) {
      var x = e.x;
      while (seen[x]) x += 1e-6;
      seen[x] = true;
      return { x: x, x2: e.x2, kind: e.kind, label: e.label };
    });
    var ax = q.activity.x, an = q.activity.n;
    var evX = events.map(function (e) { return e.x; });
    var al = align(ax, [an], evX);
    var x = al.x;
    var act = x.map(function (t, i) { return ax.indexOf(t) >= 0 ? an[ax.indexOf(t)] : null; });
    var ev = new Array(x.length).fill(null), lab = new Array(x.length).fill(null);
    events.forEach(function (e) { var i = x.indexOf(e.x); if (i >= 0) { ev[i] = e.kind; lab[i] = e.label; } });
    if (data.start != null && (x.length === 0 || x[0] > data.start)) { x.unshift(data.start); act.unshift(null); ev.unshift(null); lab.unshift(null); }
    if (data.end != null && x[x.length - 1] < data.end) { x.push(data.end); act.push(null); ev.push(null); lab.push(null); }
    make(el, {
      height: 220, tzDate: utc, cursor: cursor,
      scales: { x: { time: true }, kind: { range: [-0.7, kinds.length - 0.3] }, n: { range: function (u, lo, hi) { return [0, Math.max(1, hi) * 1.15]; } } },
      series: [timeSeries, { label: 'book changes per minute', scale: 'n', stroke: '#9ec5ec', fill: 'rgba(158,197,236,0.45)', paths: uPlot.paths.bars({ size: [0.9, 40], align: 1 }), points: { show: false }, value: function (u, v) { return v == null ? '—' : String(v); } },
        { label: 'events', scale: 'kind', stroke: C.ask, paths: function () { return null; }, points: { show: true, size: 9, fill: C.ask, stroke: C.ask }, value: exact(lab) }],
      axes: [timeAxis, { scale: 'kind', stroke: '#57606a', grid: { stroke: C.grid }, splits: function () { return kinds.map(function (_, i) { return i; }); }, values: function (u, s) { return s.map(function (i) { return (kinds[i] || '').replace('_', ' '); }); }, size: 140 }, { scale: 'n', side: 1, stroke: '#57606a', grid: { show: false }, label: 'changes / min', size: 60 }],
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          events.forEach(function (e) {
            if (e.x2 == null || kinds[e.kind] !== 'gap') return;
            var a = u.valToPos(e.x, 'x', true), b = u.valToPos(e.x2, 'x', true);
            ctx.fillStyle = 'rgba(207,34,46,0.12)';
            ctx.fillRect(a, u.bbox.top, Math.max(px(2), b - a), u.bbox.height);
          });
          ctx.restore();
        }],
      },
    }, [x, act, ev], ax.length + events.length);
  }

  function draw(kind, fn) {
    var els = document.querySelectorAll('[data-chart="' + kind + '"]');
    for (var i = 0; i < els.length; i++) {
      try { fn(els[i]); } catch (err) { console.error('poly report: the ' + kind + ' chart failed: ' + (err && err.stack ? err.stack : err)); }
    }
  }

  draw('price', function (el) { priceChart(el, data.price[Number(el.dataset.index)]); });
  draw('position', function (el) { positionChart(el, data.position); });
  var eqEl = document.querySelector('[data-chart="equity"]'), ddEl = document.querySelector('[data-chart="drawdown"]');
  if (eqEl && ddEl) { try { equityCharts(eqEl, ddEl, data.equity); } catch (err) { console.error('poly report: the equity chart failed: ' + err); } }
  draw('waterfall', function (el) { waterfallChart(el, data.waterfall); });
  draw('calibration', function (el) { if (data.calibration.length > 0) calibrationChart(el, data.calibration); else { el.classList.add('empty-chart'); el.textContent = 'No fills in resolved markets.'; } });
  draw('quality', function (el) { qualityChart(el, data.quality); });

  // comparison / sweep page
  function overlayChart(el, curves) {
    var xs = [];
    curves.forEach(function (c) { xs = xs.concat(c.x); });
    xs.sort(function (a, b) { return a - b; });
    var x = [];
    xs.forEach(function (t, i) { if (i === 0 || t !== xs[i - 1]) x.push(t); });
    var series = [timeSeries], cols = [x], n = 0;
    curves.forEach(function (c, k) {
      var al = align(c.x, [c.y, c.yS], x);
      // no value before the curve starts or after it ends
      var y = al.cols[0].map(function (v, i) { return x[i] < c.x[0] || x[i] > c.x[c.x.length - 1] ? null : v; });
      series.push({ label: c.label, stroke: PALETTE[k % PALETTE.length], width: k === 0 ? 2.5 : 1.2, paths: stepped, points: noPoints, value: exact(al.cols[1]) });
      cols.push(y);
      n += c.x.length;
    });
    make(el, { height: 320, tzDate: utc, cursor: cursor, series: series, scales: { x: { time: true } }, axes: [timeAxis, valAxis('equity ($)')] }, cols, n);
  }

  function scatterChart(el, sc, objective) {
    make(el, {
      height: 240, width: 420, cursor: { drag: { x: false, y: false } }, scales: { x: { time: false } },
      series: [{ label: sc.param }, { label: objective, stroke: C.mid, paths: function () { return null; }, points: { show: true, size: 9, fill: C.mid, stroke: C.mid }, value: exact(sc.labels) }],
      axes: [{ label: sc.param, stroke: '#57606a', grid: { stroke: C.grid } }, valAxis(objective)],
    }, [sc.x, sc.y], sc.x.length);
    charts[charts.length - 1].fixed = true;
  }

  if (data.compare) {
    draw('overlay', function (el) { overlayChart(el, data.compare.overlay); });
    draw('scatter', function (el) { scatterChart(el, data.compare.scatter[Number(el.dataset.index)], data.compare.objective); });
    Array.prototype.forEach.call(document.querySelectorAll('td[data-href]'), function (td) {
      var a = document.createElement('a');
      a.href = td.getAttribute('data-href');
      a.textContent = td.textContent;
      td.textContent = '';
      td.appendChild(a);
    });
  }

  var t;
  window.addEventListener('resize', function () {
    clearTimeout(t);
    t = setTimeout(function () { charts.forEach(function (c) { if (!c.fixed) c.u.setSize({ width: width(c.el), height: c.u.height }); }); }, 150);
  });

  // table filters: free text over the row, and one select per column
  var groups = document.querySelectorAll('.filters[data-table]');
  Array.prototype.forEach.call(groups, function (g) {
    var id = g.getAttribute('data-table');
    var tbl = document.querySelector('table[data-table="' + id + '"]');
    if (!tbl) return;
    var rows = Array.prototype.slice.call(tbl.tBodies[0].rows);
    var text = g.querySelector('[data-filter-text]');
    var selects = g.querySelectorAll('select[data-filter-col]');
    var count = g.querySelector('[data-count]');
    var total = count ? count.textContent.split(' of ')[1] : String(rows.length);
    function apply() {
      var q = text ? text.value.trim().toLowerCase() : '';
      var shown = 0;
      rows.forEach(function (r) {
        var ok = q === '' || r.textContent.toLowerCase().indexOf(q) >= 0;
        Array.prototype.forEach.call(selects, function (s) {
          if (s.value !== '' && r.cells[Number(s.getAttribute('data-filter-col'))].textContent !== s.value) ok = false;
        });
        r.style.display = ok ? '' : 'none';
        if (ok) shown++;
      });
      if (count) count.textContent = shown + ' of ' + total;
    }
    if (text) text.addEventListener('input', apply);
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener('change', apply); });
  });
})();
