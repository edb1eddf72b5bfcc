/**
 * communica's public API: the entities ({@link io.communica.core.SimpleServer}, {@link
 * io.communica.core.SimpleClient}, {@link io.communica.core.RouteServer}, {@link
 * io.communica.core.RouteClient}), {@link io.communica.core.Connector}, {@link
 * io.communica.core.Serializer}, {@link io.communica.core.Handler} and the error model rooted at
 * {@link io.communica.core.CommunicaException}.
 */
@NullMarked
package io.communica.core;

import org.jspecify.annotations.NullMarked;
