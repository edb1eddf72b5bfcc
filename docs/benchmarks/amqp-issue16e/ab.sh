#!/bin/bash
# alternate builds A and B on the AMQP cases; $1 = rounds, $2 = out prefix
R=${1:-2}; OUT=${2:-/tmp/abq}
for i in $(seq 1 $R); do
 for b in A B; do
  java -jar /tmp/$b/benchmarks.jar --stacks communica,amqp-raw --transport amqp,amqp-direct --payloads 64 --modes latency,tp256 --warmup 3s --measure 6s --repeat 1 --out $OUT/$b$i > $OUT.$b$i.log 2>&1
 done
done
