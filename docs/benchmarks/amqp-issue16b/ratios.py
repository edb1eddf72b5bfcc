import sys,re,statistics as st,collections
rows=[]
for fn,roff in [(a.split(':')[0], int(a.split(':')[1])) for a in sys.argv[1:]]:
    for line in open(fn):
        if not line[0].isdigit(): continue
        t=line.split()
        r=int(t[0])+roff; tr=t[1]; mode=t[2]; lab=t[3]
        d=dict(ops=float(t[5]),p50=float(t[7]),cc=float(t[11]),sc=float(t[13]),oth=float(t[18]),err=int(t[22]))
        rows.append((r,tr,mode,lab,d))
by=collections.defaultdict(dict)
for r,tr,mode,lab,d in rows: by[(tr,mode,r)][lab]=d
cases=sorted(set((tr,mode) for (tr,mode,r) in by))
labs=sorted(set(l for v in by.values() for l in v))
for tr,mode in cases:
    rs=sorted(r for (a,b,r) in by if (a,b)==(tr,mode))
    print(f'== {tr} {mode}')
    rat=collections.defaultdict(list); cpu=collections.defaultdict(list); oth=[]
    for r in rs:
        v=by[(tr,mode,r)]
        if 'raw' not in v or any(x['err'] for x in v.values()): 
            print('  round',r,'skipped (errors)'); continue
        raw=v['raw']
        line=f'  r{r}: '
        for l in labs:
            if l=='raw' or l not in v: continue
            x=v[l]
            q = x['ops']/raw['ops'] if mode!='latency' else x['p50']/raw['p50']
            rat[l].append(q); line+=f'{l}/raw {q:.2f} '
        for l in v:
            x=v[l]; cpu[l].append((1e6*x['cc']/x['ops'],1e6*x['sc']/x['ops'])); oth.append(x['oth'])
        line+=' | '+' '.join(f"{l} {v[l]['ops']:.0f}/s p50 {v[l]['p50']:.0f} oth {v[l]['oth']:.2f}" for l in v)
        print(line)
    for l,q in rat.items(): print(f'  median {l}/raw {st.median(q):.2f} ({min(q):.2f}-{max(q):.2f}) n={len(q)}')
    for l,c in cpu.items(): print(f'  cpu/op {l}: client {st.median([a for a,b in c]):.1f} server {st.median([b for a,b in c]):.1f} us')
    print(f'  others {min(oth):.2f}-{max(oth):.2f}')
