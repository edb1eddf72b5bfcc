#!/bin/bash
OUT=$1; N=${2:-3}
mkdir -p $OUT
for i in $(seq 1 $N); do
  for b in A C; do
    echo "== $b pair $i" >> $OUT/summary.txt
    /tmp/runx.sh /tmp/$b $OUT/$b$i --stacks communica,amqp-raw --payloads 64 --modes fnf,tp256,latency --transport amqp,amqp-direct --warmup 3s --measure 6s --repeat 1 >> $OUT/summary.txt
  done
done
echo DONE >> $OUT/summary.txt
