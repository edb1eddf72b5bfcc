#!/bin/bash
# The issue-16 AMQP run of docs/BENCHMARKS.md: before/after/raw interleaved per workload, ROUNDS
# rounds, in one sitting. Usage: run.sh OUTDIR ROUNDS WARMUP MEASURE (the run used 2 5s 10s, then
# 1 more round). /tmp/amqpperf/before and /tmp/amqpperf/after1 each hold benchmarks.jar and lib/
# from `./mvnw -q -pl benchmarks -am package -DskipTests`, built at a019d51 (the branch point's communica
# with the amqp-raw stack) and at 16120d0. "broker~" is the broker's (beam.smp) CPU over the
# whole case, start-up included, from /proc.
out=$1; rounds=$2; warm=$3; meas=$4
mkdir -p $out
BEAM=$(pgrep -o -f beam.smp)
ticks() { awk '{print $14+$15}' /proc/$BEAM/stat; }
run() { # round mode label dir stack transport
  d=$out/r$1-$2-$6-$3
  t0=$(ticks); s0=$(date +%s.%N)
  java -jar /tmp/amqpperf/$4/benchmarks.jar --transport $6 --stacks $5 --payloads 64 --modes $2 --warmup $warm --measure $meas --repeat 1 --out $d > $d.log 2>&1
  t1=$(ticks); s1=$(date +%s.%N)
  broker=$(python3 -c "print(f'{($t1-$t0)/100/($s1-$s0):.2f}')")
  python3 - $d/results.json $3 $1 $2 $6 $broker <<'PY' >> $out/summary.txt
import json,sys
d=json.load(open(sys.argv[1]))
for c in d['summary']:
  lat=c.get('latencyUs') or {}
  print(f"{sys.argv[3]} {sys.argv[5]:11s} {sys.argv[4]:7s} {sys.argv[2]:7s} ops/s {c['opsPerSec']:8.0f} p50 {lat.get('p50',0):7.1f} p99 {lat.get('p99',0):8.1f} client {c['client']['cores']:.2f} server {c['server']['cores']:.2f} others {c['otherCores']:.2f} broker~ {sys.argv[6]} err {c['errors']}")
PY
}
for r in $(seq 1 $rounds); do
  for m in tp256 fnf latency; do
    run $r $m before before communica amqp
    run $r $m after after1 communica amqp
    run $r $m raw after1 amqp-raw amqp
  done
  for m in tp256 latency; do
    run $r $m after after1 communica amqp-direct
    run $r $m raw after1 amqp-raw amqp-direct
  done
done
echo FINISHED >> $out/summary.txt
