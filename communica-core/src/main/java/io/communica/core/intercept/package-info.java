/**
 * Observing calls and connections: {@link io.communica.core.intercept.ClientInterceptor} for the
 * calls an entity makes, {@link io.communica.core.intercept.ServerInterceptor} for the calls it
 * serves, {@link io.communica.core.intercept.ConnectionListener} for its connections, and {@link
 * io.communica.core.intercept.TraceContextInterceptor}, which carries a W3C trace context across
 * processes. {@code communica-micrometer} builds its meters on them.
 */
@NullMarked
package io.communica.core.intercept;

import org.jspecify.annotations.NullMarked;
