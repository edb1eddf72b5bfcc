#!/bin/bash
# usersys.sh JARDIR STACK MODE PAYLOAD [TRANSPORT] -> user/sys seconds of each child JVM over 6 s of the window
d=$1; st=$2; mode=$3; pl=$4; tr=${5:-tcp}; tag=$(basename $d)
out=/tmp/us/$tag-$st-$tr-$pl-$mode; mkdir -p /tmp/us
java -jar $d/benchmarks.jar --transport $tr --stacks $st --payloads $pl --modes $mode --warmup 4s --measure 10s $EXTRA --out $out > $out.log 2>&1 &
bp=$!
sleep 9
declare -A u0 s0 role
for p in $(pgrep -f "$d/"); do
  [ $p = $bp ] && continue
  role[$p]=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  read -r u s < <(awk '{print $14, $15}' /proc/$p/stat); u0[$p]=$u; s0[$p]=$s
done
sleep 6
for p in "${!role[@]}"; do
  read -r u s < <(awk '{print $14, $15}' /proc/$p/stat)
  echo "$tag $st ${role[$p]} user $(( (u-u0[$p]) )) sys $(( (s-s0[$p]) )) ticks/6s"
done
wait
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
