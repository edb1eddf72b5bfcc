import json,sys,glob,os
# usage: ratios.py DIR  (subdirs like A1 B1 ...)
base=sys.argv[1]
rows=[]
for sub in sorted(os.listdir(base)):
    f=os.path.join(base,sub,'results.json')
    if not os.path.exists(f): continue
    d=json.load(open(f))
    by={}
    for r in d['rounds']:
        by[(r['stack'],r['transport'],r['mode'])]=r
    for (st,tr,mo),r in sorted(by.items()):
        if st!='communica': continue
        raw=by.get(('amqp-raw',tr,mo))
        if not raw: continue
        if mo=='latency':
            v=r['latencyUs']['p50']; w=raw['latencyUs']['p50']; val=f"p50 {v:.0f} vs {w:.0f} us"
        else:
            v=r['opsPerSec']; w=raw['opsPerSec']; val=f"{v/1000:.1f}k vs {w/1000:.1f}k"
        oth=lambda x: round(x.get('otherCores') or 0,2)
        print(f"{sub:3} {tr:12} {mo:8} ratio {v/w:5.2f}  {val:22} cpu c/s {r['client']['cpuUsPerOp']:.1f}/{r['server']['cpuUsPerOp']:.1f} raw {raw['client']['cpuUsPerOp']:.1f}/{raw['server']['cpuUsPerOp']:.1f}  others {oth(r)} / {oth(raw)}")
