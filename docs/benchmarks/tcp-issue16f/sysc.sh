#!/bin/bash
# sysc.sh JARDIR STACK MODE PAYLOAD [TRANSPORT] -> syscall counts + user/sys per child over 6 s
d=$1; st=$2; mode=$3; pl=$4; tr=${5:-tcp}; tag=$(basename $d)
out=/tmp/sc/$tag-$st-$tr-$pl-$mode; mkdir -p /tmp/sc
java -jar $d/benchmarks.jar --transport $tr --stacks $st --payloads $pl --modes $mode --warmup 4s --measure 10s $EXTRA --out $out > $out.log 2>&1 &
bp=$!
sleep 9
for p in $(pgrep -f "$d/"); do
  [ $p = $bp ] && continue
  r=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  perf stat -e task-clock,context-switches,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_readv,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg -p $p -- sleep 6 2>&1 | grep -E "task-clock|context|sys_enter|user|sys" | awk -v t="$tag $st $r" '{print t, $1, $2}' > $out.$r.perf &
done
wait
cat $out.*.perf
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
