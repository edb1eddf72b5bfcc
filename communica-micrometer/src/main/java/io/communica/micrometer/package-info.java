/** Micrometer meters for communica entities: see {@link io.communica.micrometer.CommunicaMetrics}. */
@NullMarked
package io.communica.micrometer;

import org.jspecify.annotations.NullMarked;
