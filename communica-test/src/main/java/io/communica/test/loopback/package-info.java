/**
 * {@code loopback://name}: an in-JVM transport for applications' unit tests, through the serializer
 * and the frame codec like a real one. See {@link io.communica.test.loopback.LoopbackConnector}.
 */
@NullMarked
package io.communica.test.loopback;

import org.jspecify.annotations.NullMarked;
