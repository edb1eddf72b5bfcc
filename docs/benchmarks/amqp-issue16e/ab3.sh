#!/bin/bash
# alternate builds $3.. on the AMQP cases of the full run; $1 = rounds, $2 = out prefix
R=$1; OUT=$2; shift 2
C='communica/amqp/64/latency,amqp-raw/amqp/64/latency,communica/amqp/64/tp256,amqp-raw/amqp/64/tp256,communica/amqp/64/fnf,amqp-raw/amqp/64/fnf,communica/amqp-direct/64/latency,amqp-raw/amqp-direct/64/latency,communica/amqp-direct/64/tp256,amqp-raw/amqp-direct/64/tp256'
for i in $(seq 1 $R); do
 for b in "$@"; do
  java -jar /tmp/$b/benchmarks.jar --stacks communica,amqp-raw --transport amqp,amqp-direct --payloads 64 --modes latency,tp256,fnf --cases "$C" --warmup 3s --measure 6s --repeat 1 --out $OUT/$b$i > $OUT.$b$i.log 2>&1
 done
done
