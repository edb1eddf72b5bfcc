package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.RouteClient;
import java.time.Duration;
import java.util.List;

/**
 * socpipe's {@code ApiClient(port=50007).add(1, 2)}: calls the {@link Calculator} that {@link
 * ApiServerExample} publishes as if it were local. Usage: {@code ApiClientExample [connector]}
 * (default {@code tcp://127.0.0.1:50007}).
 */
public final class ApiClientExample {

  private ApiClientExample() {}

  public static void main(String[] args) throws Exception {
    Connector connector = Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:50007");
    try (RouteClient client = RouteClient.builder(connector).start()) {
      Calculator api = client.proxy(Calculator.class);
      System.out.println(api.add(1, 2)); // 3 will be displayed
      System.out.println(api.sum(List.of(1, 2, 3)).block(Duration.ofSeconds(30)));
      // a stream: [1, 2, 3, 4, 5]
      System.out.println(api.count(1, 5).collectList().block(Duration.ofSeconds(30)));
      api.log("called from " + ProcessHandle.current().pid());
      try {
        api.divide(1, 0);
      } catch (Calculator.DivisionByZeroException e) {
        System.out.println("refused: " + e.getMessage());
      }
    }
  }
}
