/** Shared memory between a parent and a child JVM (communica-shm). */
@NullMarked
package io.communica.examples.shm;

import org.jspecify.annotations.NullMarked;
