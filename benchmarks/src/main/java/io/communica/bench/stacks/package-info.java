/**
 * The stacks the harness compares: each binds a server that echoes requests and counts
 * fire-and-forget messages, and a client that drives one workload and reads the server's counters
 * over a second, control connection.
 */
@NullMarked
package io.communica.bench.stacks;

import org.jspecify.annotations.NullMarked;
