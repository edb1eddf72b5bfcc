import sys,re,collections
txt=open(sys.argv[1]).read()
evs=txt.split('jdk.ExecutionSample')
top=collections.Counter(); incl=collections.Counter(); threads=collections.Counter()
n=0
for e in evs[1:]:
    m=re.search(r'sampledThread = "([^"]*)"',e)
    th=m.group(1) if m else '?'
    th=re.sub(r'\d+','N',th)
    frames=re.findall(r'^\s+([\w$.<>]+)\(',e,re.M)
    if not frames: continue
    n+=1; threads[th]+=1
    top[frames[0]]+=1
    for f in set(frames): incl[f]+=1
print("samples",n)
print("threads",threads.most_common(8))
print("--top"); [print(f"{c*100/n:5.1f} {f}") for f,c in top.most_common(int(sys.argv[2]))]
print("--incl"); [print(f"{c*100/n:5.1f} {f}") for f,c in incl.most_common(int(sys.argv[3]))]
