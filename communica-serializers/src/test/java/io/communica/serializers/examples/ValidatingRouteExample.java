package io.communica.serializers.examples;

import io.communica.core.RequestException;
import io.communica.core.Route;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.serializers.JsonSerializer;
import io.communica.serializers.Violation;
import io.communica.test.loopback.LoopbackConnector;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A server whose route validates its input: bad requests are answered with a readable list of
 * what is wrong, and the handler never sees them.
 *
 * <pre>
 * ./mvnw -q -B -DskipTests -pl communica-serializers -am test-compile exec:exec@validating-example
 * </pre>
 */
public final class ValidatingRouteExample {

  /** One line of an order. */
  public record Line(@NotBlank String sku, @Positive int quantity, @Positive long priceCents) {}

  /** An order: a customer and one to ten lines. */
  public record PlaceOrder(@NotBlank String customer, @Size(min = 1, max = 10) List<@Valid Line> lines) {}

  /** The accepted order's total. */
  public record Placed(long totalCents) {}

  /** Declared once, shared by client and server code. */
  public static final Route<PlaceOrder, Placed> PLACE =
      Route.of("orders/place", PlaceOrder.class, Placed.class);

  private ValidatingRouteExample() {}

  public static void main(String[] args) {
    run().forEach(System.out::println);
  }

  /** Runs the example and returns what it printed. */
  public static List<String> run() {
    List<String> out = new ArrayList<>();
    Duration timeout = Duration.ofSeconds(10);
    try (RouteServer server =
            RouteServer.builder(LoopbackConnector.named("validating-route-example"))
                .serializer(JsonSerializer.validating()) // strict JSON + Bean Validation
                .route(PLACE, PLACE.blocking(order -> {
                  out.add("handler: placing an order for " + order.customer());
                  return new Placed(order.lines().stream()
                      .mapToLong(l -> l.quantity() * l.priceCents()).sum());
                }))
                .start();
        // this client checks nothing, as a script in another language might
        RouteClient client = RouteClient.builder(server.connector()).start()) {
      Placed ok = client.request(PLACE, new PlaceOrder("ann", List.of(new Line("A-1", 2, 450)))).block(timeout);
      out.add("accepted: total " + ok.totalCents() + " cents");

      PlaceOrder bad = new PlaceOrder(" ", List.of(new Line("A-1", 2, 450), new Line("", 0, -5)));
      try {
        client.request(PLACE, bad).block(timeout);
      } catch (RequestException e) {
        out.add("refused (code " + e.code() + "): " + e.getMessage());
        for (Violation v : Violation.listIn(e)) {
          out.add("  field '" + v.path() + "' " + v.message());
        }
      }

      Map<String, Object> typo = Map.of("customer", "bob", "lines", List.of(), "coupon", "FREE");
      try {
        client.request(PLACE.name(), typo, Placed.class).block(timeout);
      } catch (RequestException e) {
        out.add("refused: " + e.getMessage());
      }
    }
    return out;
  }
}
