/**
 * Interfaces called remotely: the model of an interface's methods as routes, the client's proxy,
 * the server's handlers and the argument values the session encodes. Internal: not an API.
 */
@NullMarked
package io.communica.core.internal.remote;

import org.jspecify.annotations.NullMarked;
