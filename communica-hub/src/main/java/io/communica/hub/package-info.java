/**
 * A hub that processes join: events they create, emit and subscribe to, direct messages and
 * requests between them, and signals without payload. {@link io.communica.hub.Hub} is the server
 * process, {@link io.communica.hub.Node} a process joined to it; both are built on communica's route
 * entities, so they run over every connector.
 */
@NullMarked
package io.communica.hub;

import org.jspecify.annotations.NullMarked;
