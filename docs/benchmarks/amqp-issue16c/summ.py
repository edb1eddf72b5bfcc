import json,sys,os,collections,statistics
# summ.py DIR...: per variant letter prefix (A/B...), per case: ratios list, median; cpu c/s median; others
res=collections.defaultdict(list)
for base in sys.argv[1:]:
  for sub in sorted(os.listdir(base)):
    f=os.path.join(base,sub,'results.json')
    if not os.path.exists(f): continue
    var=sub.rstrip('0123456789-')
    d=json.load(open(f)); by={(r['stack'],r['transport'],r['mode']):r for r in d['rounds']}
    for (st,tr,mo),r in by.items():
      if st!='communica': continue
      raw=by.get(('amqp-raw',tr,mo))
      if not raw: continue
      if mo=='latency': v=r['latencyUs']['p50']; w=raw['latencyUs']['p50']
      else: v=r['opsPerSec']; w=raw['opsPerSec']
      res[(tr,mo,var)].append((v/w, r['client']['cpuUsPerOp'], r['server']['cpuUsPerOp'], raw['client']['cpuUsPerOp'], raw['server']['cpuUsPerOp'], r.get('otherCores') or 0, raw.get('otherCores') or 0))
for k in sorted(res):
  L=res[k]; med=lambda i: statistics.median(x[i] for x in L)
  print(f"{k[0]:12} {k[1]:8} {k[2]:3} n={len(L)} ratio med {med(0):.2f} [{', '.join(f'{x[0]:.2f}' for x in L)}] cpu c/s {med(1):.1f}/{med(2):.1f} raw {med(3):.1f}/{med(4):.1f} others {min(min(x[5],x[6]) for x in L):.2f}-{max(max(x[5],x[6]) for x in L):.2f}")
