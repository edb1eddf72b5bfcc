/**
 * Hooks that let core's internals reach package-private parts of its public types without the
 * public package depending on the internals. Depends on nothing of communica's.
 */
@NullMarked
package io.communica.core.internal.access;

import org.jspecify.annotations.NullMarked;
