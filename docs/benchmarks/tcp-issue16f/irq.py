import sys, subprocess, collections
f=sys.argv[1]
out=subprocess.run(['perf','script','-i',f],capture_output=True,text=True).stdout
c=collections.Counter(); sc=collections.Counter(); tot=0; irq=0
for blk in out.split('\n\n'):
    lines=[l.strip() for l in blk.strip().split('\n') if l.strip()]
    if len(lines)<2: continue
    if not lines[0].split()[0].startswith(('reactor','floor')): continue
    fr=[l.split()[1].split('+')[0] for l in lines[1:]]
    tot+=1
    # syscall bucket
    s='user'
    for x in fr:
        if x.startswith('__x64_sys_') or x.startswith('ksys_') or x in ('vfs_writev','vfs_write','vfs_read','__sys_recvfrom','do_writev'):
            s=x; break
    if fr[0].startswith('[k]') : pass
    sc[s]+=1
    if fr[0]=='pvm_irq_enable':
        irq+=1
        rest=[x for x in fr[1:] if x not in ('__raw_callee_save_pvm_irq_enable','_raw_spin_unlock_irqrestore','_raw_spin_unlock_irq')]
        c[';'.join(rest[:3])]+=1
print('samples',tot,'irq',irq)
for k,v in c.most_common(12): print('  %5.1f%% %s'%(100*v/tot,k))
print('by syscall')
for k,v in sc.most_common(10): print('  %5.1f%% %s'%(100*v/tot,k))
