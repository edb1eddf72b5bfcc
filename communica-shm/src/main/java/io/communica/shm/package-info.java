/**
 * The shared-memory transport: {@link io.communica.shm.ShmConnector} ({@code shm://name}), frames
 * through memory-mapped ring buffers between processes of one user on one machine.
 */
@NullMarked
package io.communica.shm;

import org.jspecify.annotations.NullMarked;
