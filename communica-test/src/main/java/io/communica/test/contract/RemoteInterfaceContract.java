package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.HandlerFailedException;
import io.communica.core.OneWay;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Interfaces called remotely ({@code expose} and {@code proxy}) over the transport under test, in
 * both directions. The arguments travel in communica's argument list (the contract's serializer has
 * no array form), which every serializer can carry. Part of {@link ConnectorContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface RemoteInterfaceContract {

  /** Builders with the contract's serializer and leak tracking (see {@link ConnectorContract}). */
  RouteServer.Builder routeServer(Connector address);

  RouteClient.Builder routeClient(Connector address);

  /** A fresh address of the transport under test. */
  Connector newAddress();

  /** Everything a test started, closed after it whatever happened. */
  ConnectorContract.Resources resources();

  /** A declared exception of {@link Calculator#divide}. */
  final class DivisionByZeroException extends Exception {
    public DivisionByZeroException(String message) {
      super(message);
    }
  }

  /** socpipe's {@code add}, and one method of each other kind. */
  interface Calculator {
    int add(int a, int b);

    Mono<String> greet(String name);

    CompletableFuture<Integer> negate(int a);

    int divide(int a, int b) throws DivisionByZeroException;

    String fail(String why);

    @OneWay
    void note(String line);

    void nothing();
  }

  /** The implementation; {@code notes} receives what {@code note} was sent. */
  final class Arithmetic implements Calculator {
    final BlockingQueue<String> notes = new LinkedBlockingQueue<>();

    @Override
    public int add(int a, int b) {
      return a + b;
    }

    @Override
    public Mono<String> greet(String name) {
      return Mono.just("hello " + name);
    }

    @Override
    public CompletableFuture<Integer> negate(int a) {
      return CompletableFuture.completedFuture(-a);
    }

    @Override
    public int divide(int a, int b) throws DivisionByZeroException {
      if (b == 0) {
        throw new DivisionByZeroException(a + " / 0");
      }
      return a / b;
    }

    @Override
    public String fail(String why) {
      throw new IllegalStateException(why);
    }

    @Override
    public void note(String line) {
      notes.add(line);
    }

    @Override
    public void nothing() {}
  }

  private static void callEveryKind(Calculator calc, Arithmetic impl) throws Exception {
    Duration wait = Duration.ofSeconds(15);
    assertThat(calc.add(1, 2)).isEqualTo(3);
    StepVerifier.create(calc.greet("proxy")).expectNext("hello proxy").expectComplete().verify(wait);
    assertThat(calc.negate(7).get(15, TimeUnit.SECONDS)).isEqualTo(-7);
    assertThat(calc.divide(9, 3)).isEqualTo(3);
    assertThatThrownBy(() -> calc.divide(1, 0))
        .isExactlyInstanceOf(DivisionByZeroException.class)
        .hasMessage("1 / 0");
    assertThatThrownBy(() -> calc.fail("on purpose"))
        .isExactlyInstanceOf(HandlerFailedException.class)
        .hasMessage("java.lang.IllegalStateException: on purpose");
    calc.nothing();
    calc.note("one way");
    assertThat(impl.notes.poll(15, TimeUnit.SECONDS)).isEqualTo("one way");
  }

  @Test
  default void aClientsProxyCallsTheServersImplementation() throws Exception {
    Arithmetic impl = new Arithmetic();
    RouteServer server = resources().add(routeServer(newAddress()).start());
    server.expose(Calculator.class, impl); // while running
    RouteClient client = resources().add(routeClient(server.connector()).start());
    callEveryKind(client.proxy(Calculator.class), impl);
  }

  @Test
  default void aServersProxyCallsItsClientsImplementation() throws Exception {
    Arithmetic impl = new Arithmetic();
    RouteServer server = resources().add(routeServer(newAddress()).start());
    RouteClient client =
        resources()
            .add(
                routeClient(server.connector())
                    .clientId("calculator-1")
                    .expose(Calculator.class, impl)
                    .start());
    client.connected().block(Duration.ofSeconds(15));
    callEveryKind(server.proxy(Calculator.class, "calculator-1"), impl);
  }
}
