#!/usr/bin/env bash
# The full run that docs/BENCHMARKS.md shows: every row of the performance issue's table (TCP,
# Unix socket, RabbitMQ, large payloads, the flatMap client shape, the memory modes) and the
# shared-memory and UDP goals, in one sitting, 3 rounds per case (a median that one odd round does
# not move: RSocket at 4 KiB and the AMQP rows swing 10-35% between rounds). About 65 minutes; run
# it on a quiet machine (the "others" figures say how quiet it was). Rewrites the generated section of
# docs/BENCHMARKS.md and docs/benchmarks/ (charts, results.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -pl benchmarks -am package -DskipTests

tcp64='communica/tcp/64/latency,floor/tcp/64/latency,rsocket/tcp/64/latency'
tcp64+=',communica/tcp/64/tp256,floor/tcp/64/tp256,rsocket/tcp/64/tp256'
tcp64+=',communica/tcp/64/flat256,rsocket/tcp/64/flat256'
tcp64+=',communica/tcp/64/fnf,floor/tcp/64/fnf,rsocket/tcp/64/fnf'
memory='communica/tcp/64/idle10k,floor/tcp/64/idle10k,rsocket/tcp/64/idle10k,communica/tcp/64/long100M'
tcp4k='communica/tcp/4096/tp256,communica-payload/tcp/4096/tp256,floor/tcp/4096/tp256,rsocket/tcp/4096/tp256'
large='communica/tcp/1048576/latency,communica-payload/tcp/1048576/latency,floor/tcp/1048576/latency'
large+=',communica/tcp/1048576/tp4,communica-payload/tcp/1048576/tp4,floor/tcp/1048576/tp4'
large+=',communica/tcp/16777216/latency,communica-payload/tcp/16777216/latency,floor/tcp/16777216/latency'
unix='communica/unix/64/latency,floor/unix/64/latency,communica/unix/64/tp256,floor/unix/64/tp256'
unix+=',communica/unix/64/fnf,floor/unix/64/fnf'
shm='communica/shm/64/tp256,ringfloor/shm/64/tp256,communica/shm/64/fnf,ringfloor/shm/64/fnf'
shm+=',communica/shm-spin/64/latency,ringfloor/shm-spin/64/latency'
udp='communica/udp/64/latency,communica/udp/64/fnf'
amqp='communica/amqp/64/latency,amqp-raw/amqp/64/latency,communica/amqp/64/tp256,amqp-raw/amqp/64/tp256'
amqp+=',communica/amqp/64/fnf,amqp-raw/amqp/64/fnf'
amqp+=',communica/amqp-direct/64/latency,amqp-raw/amqp-direct/64/latency'
amqp+=',communica/amqp-direct/64/tp256,amqp-raw/amqp-direct/64/tp256'

java -jar benchmarks/target/benchmarks.jar --full --repeat 3 "$@" \
  --transport tcp,unix,shm,shm-spin,udp,amqp,amqp-direct \
  --stacks communica,communica-payload,floor,rsocket,ringfloor,amqp-raw \
  --payloads 64,4096,1048576,16777216 \
  --modes latency,tp4,tp256,flat256,fnf,idle10k,long100M \
  --cases "$tcp64,$memory,$tcp4k,$large,$unix,$shm,$udp,$amqp" \
  --docs docs
