package io.communica.examples.local;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import io.communica.local.LocalConnector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A parent serves on a Unix socket, starts three child JVMs with nothing but the dumped connector
 * string, answers their requests, requests each of them by client id, and collects what they
 * print. Run: {@code java -cp <examples class path> io.communica.examples.local.LocalParentExample}.
 */
public final class LocalParentExample {

  private LocalParentExample() {}

  public static void main(String[] args) throws Exception {
    LocalConnector connector = LocalConnector.named("demo-" + ProcessHandle.current().pid());
    try (SimpleServer server =
        SimpleServer.builder(connector)
            .handler(Handler.nonBlocking(String.class, s -> "parent says hello to " + s))
            .start()) {
      String dumped = server.connector().dump(); // local://demo-1234
      System.out.println("parent: serving on " + dumped + " (" + connector.path() + ")");
      List<Process> children = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        children.add(
            new ProcessBuilder(Java.command(LocalChildExample.class, dumped, "child-" + i))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start());
      }
      for (int i = 1; i <= 3; i++) {
        String id = "child-" + i;
        // the other direction: the parent requests each child by its id
        String pid = server.requestClient(id, "your pid?", String.class).block(Duration.ofSeconds(30));
        String credentials =
            server.clients().stream()
                .filter(c -> c.clientId().equals(id))
                .findFirst()
                .map(c -> String.valueOf(c.credentials()))
                .orElse("?");
        System.out.println("parent: " + id + " answered " + pid + "; credentials " + credentials);
      }
      for (String id : List.of("child-1", "child-2", "child-3")) {
        server.fireAndForgetClient(id, "bye").block(Duration.ofSeconds(10));
      }
      for (Process p : children) {
        try (BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          out.lines().forEach(line -> System.out.println("parent collected: " + line));
        }
        System.out.println("parent: child pid " + p.pid() + " exited with " + p.waitFor());
      }
    }
  }
}
