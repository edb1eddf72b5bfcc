/** Telemetry over UDP datagrams with fixed-layout records (communica-udp). */
@NullMarked
package io.communica.examples.udp;

import org.jspecify.annotations.NullMarked;
