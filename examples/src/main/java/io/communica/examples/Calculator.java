package io.communica.examples;

import io.communica.core.OneWay;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * socpipe's {@code add} as a Java interface, shared by the process that implements it ({@link
 * ApiServerExample}) and the one that calls it ({@link ApiClientExample}). Each method is a route,
 * {@code Calculator.add} and so on.
 */
public interface Calculator {

  /** Thrown by {@link #divide} for a zero divisor; arrives at the caller as itself. */
  final class DivisionByZeroException extends Exception {
    public DivisionByZeroException(String message) {
      super(message);
    }
  }

  /** Blocks for the reply, as socpipe's {@code api.add(1, 2)} does. */
  int add(int a, int b);

  /** The same without blocking. */
  Mono<Integer> sum(List<Integer> numbers);

  /** {@code from} to {@code to}, one item each: a stream, with backpressure across the wire. */
  Flux<Integer> count(int from, int to);

  int divide(int a, int b) throws DivisionByZeroException;

  /** Fire-and-forget. */
  @OneWay
  void log(String line);
}
