#!/bin/bash
# perfstat.sh JARDIR STACK TRANSPORT MODE: the third pass's script with a 12 s window, counted
# from 10 s after the start (the warm-up waits for the JIT now, and took longer than 7 s)
PERFSTAT_OUT=/tmp/ps16e PERFSTAT_MEASURE=12s PERFSTAT_WAIT=10 \
  exec bash "$(dirname "$0")/../amqp-issue16c/perfstat.sh" "$@"
