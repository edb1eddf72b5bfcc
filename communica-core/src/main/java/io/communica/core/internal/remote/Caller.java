package io.communica.core.internal.remote;

import java.lang.reflect.Type;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What a proxy sends its calls through: an entity with its target and call settings. */
public interface Caller {

  /** A request to {@code route}; the reply decoded into {@code replyType}. */
  Mono<Object> request(String route, Arguments data, Type replyType);

  /** A fire-and-forget message to {@code route}. */
  Mono<Void> fire(String route, Arguments data);

  /** A stream from {@code route}, as {@code requestStream}; items decoded into {@code itemType}. */
  Flux<Object> stream(String route, Arguments data, Type itemType);
}
