/**
 * Leak checks for tests: {@link io.communica.test.LeakTracker}, an allocator that fails a test
 * which did not release what it allocated, {@link io.communica.test.TrackedConnector}, which
 * injects it into a transport's connections, and {@link io.communica.test.LeakCheckExtension},
 * Netty's leak detector as a JUnit check.
 */
@NullMarked
package io.communica.test;

import org.jspecify.annotations.NullMarked;
