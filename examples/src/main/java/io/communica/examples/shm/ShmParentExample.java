package io.communica.examples.shm;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import io.communica.shm.ShmConnector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A parent serves on shared memory, starts a child JVM with nothing but the dumped connector
 * string (and the JVM option Agrona 2.x needs), answers its requests, requests it by client id,
 * and collects what it prints. Run with {@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}: {@code java --add-exports ... -cp <examples class path>
 * io.communica.examples.shm.ShmParentExample}.
 */
public final class ShmParentExample {

  /** What every JVM that uses communica-shm needs on its command line. */
  public static final String AGRONA_EXPORT = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  private ShmParentExample() {}

  public static void main(String[] args) throws Exception {
    ShmConnector connector = ShmConnector.named("demo-" + ProcessHandle.current().pid());
    try (SimpleServer server =
        SimpleServer.builder(connector)
            .handler(Handler.nonBlocking(String.class, s -> "parent says hello to " + s))
            .start()) {
      String dumped = server.connector().dump(); // shm://demo-1234
      System.out.println("parent: serving on " + dumped + " (" + connector.directory() + ")");
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-Xmx128m");
      cmd.add(AGRONA_EXPORT);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(ShmChildExample.class.getName());
      cmd.add(dumped);
      Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      // the other direction: the parent requests the child by its id, through the rings
      String answer =
          server.requestClient("shm-child", "how fast?", String.class).block(Duration.ofSeconds(30));
      System.out.println(
          "parent: shm-child answered " + answer + "; credentials "
              + server.clients().get(0).credentials());
      server.fireAndForgetClient("shm-child", "bye").block(Duration.ofSeconds(10));
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(line -> System.out.println("parent collected: " + line));
      }
      System.out.println("parent: child pid " + child.pid() + " exited with " + child.waitFor());
    }
  }
}
