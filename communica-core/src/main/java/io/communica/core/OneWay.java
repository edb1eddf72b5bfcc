package io.communica.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of an interface called remotely as fire-and-forget: the call sends a MESSAGE and
 * does not wait for the implementation to run. Allowed on methods returning {@code void} (the call
 * returns once the transport took the message), {@code Mono<Void>} or {@code
 * CompletableFuture<Void>} (which complete then). A {@code void} method without it is a request
 * that waits for the implementation to return.
 *
 * <pre>{@code
 * interface Audit {
 *   @OneWay void record(String line);
 * }
 * }</pre>
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OneWay {}
