#!/bin/bash
l=$1; tr=$2
java -jar /tmp/amqpdirect/$l/benchmarks.jar --transport $tr --stacks communica --payloads 64 --modes tp256 --warmup 5s --measure 10s --out /tmp/amqpdirect/cs-$l-$tr-$RANDOM > /tmp/amqpdirect/cs.log 2>&1 &
bp=$!
sleep 9
for p in $(pgrep -f "amqpdirect/$l/" ); do
  [ $p = $bp ] && continue
  role=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o -E "server|client" | head -1)
  perf stat -e task-clock,context-switches,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_futex,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom -p $p -- sleep 6 2>&1 | grep -E "task-clock|context|sys_enter" | sed "s/^/$l $tr $p $role /" &
done
wait
grep "req/s" /tmp/amqpdirect/cs.log | sed 's/.*\.\.\. //'
