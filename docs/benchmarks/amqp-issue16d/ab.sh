#!/bin/bash
# usage: ab.sh OUT rounds name:jardir ...
OUT=$1; shift; R=$1; shift
mkdir -p $OUT
for r in $(seq 1 $R); do
  for v in "$@"; do
    n=${v%%:*}; jar=${v#*:}
    java -jar $jar/benchmarks.jar --transport amqp,amqp-direct --stacks communica,amqp-raw --payloads 64 --modes latency,fnf,tp256 \
      --cases '*/amqp/64/*,*/amqp-direct/64/tp256,*/amqp-direct/64/latency' --warmup 3s --measure 6s --out $OUT/$n$r > $OUT/$n$r.log 2>&1
  done
done
echo done > $OUT/finished
