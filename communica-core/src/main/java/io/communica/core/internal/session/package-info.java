/**
 * The session: the protocol state of one connection, split by job. Internal: not an API.
 */
@NullMarked
package io.communica.core.internal.session;

import org.jspecify.annotations.NullMarked;
