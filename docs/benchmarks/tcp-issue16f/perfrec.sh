#!/bin/bash
# perfrec.sh JARDIR STACK MODE PAYLOAD [TRANSPORT] -> perf record of each child JVM over 6 s, perf maps at exit
d=$1; st=$2; mode=$3; pl=$4; tr=${5:-tcp}; tag=$(basename $d)
out=/tmp/pr/$tag-$st-$tr-$pl-$mode; mkdir -p /tmp/pr
java -jar $d/benchmarks.jar --transport $tr --stacks $st --payloads $pl --modes $mode --warmup ${WARM:-14s} --measure 12s --jvm-arg -XX:+UnlockDiagnosticVMOptions --jvm-arg -XX:+DumpPerfMapAtExit --jvm-arg -XX:+PreserveFramePointer $EXTRA --out $out > $out.log 2>&1 &
bp=$!
sleep ${WAIT:-20}
for p in $(pgrep -f "$d/"); do
  [ $p = $bp ] && continue
  r=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  echo $p > $out.$r.pid
  perf record -F 999 -g -p $p -o $out.$r.data -- sleep 6 > /dev/null 2>&1 &
done
wait
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
