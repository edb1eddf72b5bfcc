#!/bin/bash
# perfstat.sh JARDIR STACK TRANSPORT MODE -> perf stat per child JVM for 6 s of the measured window
# (PERFSTAT_MEASURE: the window, 9s; PERFSTAT_WAIT: seconds from start to the counting, 7;
# PERFSTAT_OUT: where the results go, /tmp/ps16c)
d=$1; st=$2; tr=$3; mode=$4; tag=$(basename $d)
dir=${PERFSTAT_OUT:-/tmp/ps16c}
out=$dir/$tag-$st-$tr-$mode; mkdir -p $dir
java -jar $d/benchmarks.jar --transport $tr --stacks $st --payloads 64 --modes $mode --warmup 4s --measure ${PERFSTAT_MEASURE:-9s} --out $out > $out.log 2>&1 &
bp=$!
sleep ${PERFSTAT_WAIT:-7}
for p in $(pgrep -f "$d/" ); do
  [ $p = $bp ] && continue
  role=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  perf stat -e task-clock,context-switches,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_futex -p $p -- sleep 6 2>&1 | grep -E "task-clock|context|sys_enter" | awk -v t="$tag $st $tr $role" '{print t, $1, $2}' > $out.$role.perf &
done
wait
cat $out.*.perf
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
