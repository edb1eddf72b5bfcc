/**
 * Faults for tests: {@link io.communica.test.fault.FaultProxy}, a loopback TCP proxy that delays,
 * cuts at a byte offset, stalls one direction or leaves connections half-open, and {@link
 * io.communica.test.fault.Outcomes}, the count of what became of every call of a scenario.
 */
@NullMarked
package io.communica.test.fault;

import org.jspecify.annotations.NullMarked;
