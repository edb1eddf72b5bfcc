"""Medians of the 4 KiB A/B in ab.txt: rate, CPU per request, ratio to the same invocation's floor and RSocket."""
import re, statistics as st
cur = None; d = {}
for l in open('ab.txt'):
    if l.startswith('=='):
        cur = l.split()[1]; d[cur] = {}; continue
    m = re.match(r'(\S+) (\S+) (\d+ \S+) ([^:]*): ([0-9.]+) ([kM]) (?:req|msg)/s.*client ([0-9.]+) cores, server ([0-9.]+) cores', l)
    if m:
        r = float(m.group(5)) * (1000 if m.group(6) == 'M' else 1)
        d[cur][(m.group(1), m.group(2), m.group(3), m.group(4))] = (r, float(m.group(7)), float(m.group(8)))
K = lambda s: (s, 'tcp', '4 KiB', '256 in flight')
for name, keys in (('before', ['A1', 'A2', 'A3', 'A4', 'hA1', 'hA2']), ('after', ['F1', 'F2', 'F3', 'F4', 'hG1', 'hG2'])):
    for s in ('communica-payload', 'communica'):
        rates = [d[x][K(s)][0] for x in keys]
        cc = [d[x][K(s)][1] / d[x][K(s)][0] * 1000 for x in keys]
        sc = [d[x][K(s)][2] / d[x][K(s)][0] * 1000 for x in keys]
        fl = [d[x][K(s)][0] / d[x][K('floor')][0] for x in keys]
        rs = [d[x][K(s)][0] / d[x][K('rsocket')][0] for x in keys]
        print(f"{name} {s}: {', '.join(f'{x:.1f}' for x in rates)} k (median {st.median(rates):.1f}); "
              f"CPU us/req client {st.median(cc):.2f} server {st.median(sc):.2f}; "
              f"/floor {', '.join(f'{x:.2f}' for x in fl)} (median {st.median(fl):.2f}); "
              f"/RSocket {', '.join(f'{x:.2f}' for x in rs)} (median {st.median(rs):.2f})")
    print(f"{name} floor {[d[x][K('floor')][0] for x in keys]} rsocket {[d[x][K('rsocket')][0] for x in keys]}")
