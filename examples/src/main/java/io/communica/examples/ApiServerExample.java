package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.RouteServer;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * socpipe's {@code ApiServer(apis=[add]).publish(port=50007)}: publishes an implementation of
 * {@link Calculator} and runs until killed. Usage: {@code ApiServerExample [connector]} (default
 * {@code tcp://127.0.0.1:50007}); pair it with {@link ApiClientExample}.
 */
public final class ApiServerExample {

  private ApiServerExample() {}

  /** The implementation: plain Java, nothing of communica in it. */
  static final class Arithmetic implements Calculator {
    @Override
    public int add(int a, int b) {
      return a + b;
    }

    @Override
    public Mono<Integer> sum(List<Integer> numbers) {
      return Mono.just(numbers.stream().mapToInt(Integer::intValue).sum());
    }

    @Override
    public Flux<Integer> count(int from, int to) {
      return Flux.range(from, Math.max(0, to - from + 1));
    }

    @Override
    public int divide(int a, int b) throws DivisionByZeroException {
      if (b == 0) {
        throw new DivisionByZeroException("cannot divide " + a + " by zero");
      }
      return a / b;
    }

    @Override
    public void log(String line) {
      System.out.println("log: " + line);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Connector connector = Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:50007");
    RouteServer.builder(connector).expose(Calculator.class, new Arithmetic()).build().run();
  }
}
