#!/bin/bash
# run.sh OUT ROUNDS WARM MEAS "labels" "modes-amqp" "modes-direct"
out=$1; rounds=$2; warm=$3; meas=$4; labels=$5; mA=$6; mD=$7
mkdir -p $out
BEAM=$(pgrep -o -f beam.smp)
ticks() { awk '{print $14+$15}' /proc/$BEAM/stat; }
run() { # round mode label stack transport
  d=$out/r$1-$2-$5-$3
  t0=$(ticks); s0=$(date +%s.%N)
  java -jar /tmp/amqpb/$3/benchmarks.jar --transport $5 --stacks $4 --payloads 64 --modes $2 --warmup $warm --measure $meas --repeat 1 --out $d > $d.log 2>&1
  t1=$(ticks); s1=$(date +%s.%N)
  broker=$(python3 -c "print(f'{($t1-$t0)/100/($s1-$s0):.2f}')")
  python3 - $d/results.json $3 $1 $2 $5 $broker <<'PY' >> $out/summary.txt
import json,sys
d=json.load(open(sys.argv[1]))
for c in d['summary']:
  lat=c.get('latencyUs') or {}
  ops=c['opsPerSec']
  print(f"{sys.argv[3]} {sys.argv[5]:11s} {sys.argv[4]:7s} {sys.argv[2]:7s} ops/s {ops:8.0f} p50 {lat.get('p50',0):7.1f} p99 {lat.get('p99',0):8.1f} client {c['client']['cores']:.2f} server {c['server']['cores']:.2f} cpu/op(us) {1e6*c['client']['cores']/max(ops,1):6.1f} {1e6*c['server']['cores']/max(ops,1):6.1f} others {c['otherCores']:.2f} broker~ {sys.argv[6]} err {c['errors']}")
PY
  tail -1 $out/summary.txt
}
for r in $(seq 1 $rounds); do
  for m in $mA; do
    for l in $labels; do
      if [ $l = raw ]; then run $r $m raw amqp-raw amqp; else run $r $m $l communica amqp; fi
    done
  done
  for m in $mD; do
    for l in $labels; do
      if [ $l = raw ]; then run $r $m raw amqp-raw amqp-direct; else run $r $m $l communica amqp-direct; fi
    done
  done
done
echo FINISHED >> $out/summary.txt
