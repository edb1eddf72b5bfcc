#!/bin/bash
# nst.sh JARDIR STACK MODE PAYLOAD -> TCP segment counters over 6 s of the window
d=$1; st=$2; mode=$3; pl=$4; tr=${5:-tcp}; tag=$(basename $d)
out=/tmp/ns/$tag-$st-$tr-$pl-$mode; mkdir -p /tmp/ns
java -jar $d/benchmarks.jar --transport $tr --stacks $st --payloads $pl --modes $mode --warmup 12s --measure 12s $EXTRA --out $out > $out.log 2>&1 &
sleep 18
nstat -n; sleep 6; nstat TcpOutSegs TcpInSegs TcpExtTCPPureAcks TcpExtTCPHPAcks TcpExtDelayedACKs TcpExtTCPBacklogCoalesce IpExtInOctets TcpExtTCPAutoCorking TcpExtTCPOrigDataSent TcpExtTCPRcvCoalesce 2>&1 | tail -n +2
wait
grep -h "\.\.\. " $out.log | sed 's/.*\.\.\. //'
