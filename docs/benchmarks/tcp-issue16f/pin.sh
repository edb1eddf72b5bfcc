#!/bin/bash
# pin.sh JARDIR STACK MODE PAYLOAD SERVERCPU CLIENTCPU -> pins the child JVMs during warm-up
d=$1; st=$2; mode=$3; pl=$4; sc=$5; cc=$6; tag=$(basename $d)
out=/tmp/pin/$tag-$st-$pl-$mode; mkdir -p /tmp/pin
java -jar $d/benchmarks.jar --transport tcp --stacks $st --payloads $pl --modes $mode --warmup 8s --measure 6s $EXTRA --out $out > $out.log 2>&1 &
bp=$!
sleep 4
for p in $(pgrep -f "$d/"); do
  [ $p = $bp ] && continue
  r=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  if [ $r = server ]; then taskset -a -p -c $sc $p >/dev/null; else taskset -a -p -c $cc $p > /dev/null; fi
done
wait
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
