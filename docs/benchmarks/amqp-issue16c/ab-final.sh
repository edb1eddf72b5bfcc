#!/bin/bash
OUT=$1; shift
for r in 1 2; do
  for v in A:/tmp/bench-main B:/tmp/bench-b4; do
    n=${v%%:*}; jar=${v#*:}
    java -jar $jar/benchmarks.jar --transport amqp,amqp-direct --stacks communica,amqp-raw --payloads 64 --modes latency,fnf,tp256 --cases '*/amqp/64/latency,*/amqp/64/fnf,*/amqp-direct/64/*' --warmup 3s --measure 6s --out $OUT/$n$r > $OUT/$n$r.log 2>&1
  done
done
echo done > $OUT/finished
