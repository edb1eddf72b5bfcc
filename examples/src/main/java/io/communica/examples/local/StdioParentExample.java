package io.communica.examples.local;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import io.communica.local.StdioConnector;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A parent drives a child JVM over the child's standard input and output: no socket, no port, no
 * file. Both sides request each other; closing the parent ends the child.
 */
public final class StdioParentExample {

  private StdioParentExample() {}

  public static void main(String[] args) throws Exception {
    AtomicReference<Process> child = new AtomicReference<>();
    StdioConnector connector =
        StdioConnector.builder(Java.command(StdioChildExample.class))
            .onStart(child::set)
            .stderrLines(line -> System.out.println("child stderr: " + line))
            .build();
    try (SimpleServer parent =
        SimpleServer.builder(connector)
            .handler(Handler.nonBlocking(String.class, s -> "the parent's answer to '" + s + "'"))
            .start()) {
      for (String word : new String[] {"alpha", "beta", "gamma"}) {
        System.out.println("parent got: " + parent.request(word, String.class).block(Duration.ofSeconds(30)));
      }
    }
    System.out.println("child exited with " + child.get().waitFor());
  }
}
