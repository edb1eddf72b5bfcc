#!/bin/bash
# ab.sh OUT labels: each label's harness in turn, communica and amqp-raw on amqp-direct, tp256 and latency, --repeat 2
out=$1; shift
for l in "$@"; do
  java -jar /tmp/amqpdirect/$l/benchmarks.jar --transport amqp-direct --stacks communica,amqp-raw --payloads 64 --modes tp256,latency --warmup 5s --measure 10s --repeat 2 --out $out/$l > $out/$l.log 2>&1
done
echo FINISHED > $out/done
