package io.communica.shm;

import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Measures what an idle shared-memory connection costs: a server and a connected client in this
 * JVM (one agent serves both ends), then {@code seconds} of nothing; prints the CPU time of the
 * whole process (from {@code /proc/self/stat}) and of the agent thread, as a share of one core.
 * Not a test: run it by hand, e.g. {@code java ... io.communica.shm.ShmIdleCpu backoff 10}.
 */
public final class ShmIdleCpu {

  private ShmIdleCpu() {}

  public static void main(String[] args) throws Exception {
    ShmConnector.Idle idle = ShmConnector.Idle.valueOf(args.length > 0 ? args[0].toUpperCase() : "BACKOFF");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    ShmConnector c = ShmConnector.named("idle-cpu-" + ProcessHandle.current().pid()).idle(idle);
    try (SimpleServer server =
            SimpleServer.builder(c).handler(Handler.nonBlocking(String.class, s -> s)).start();
        SimpleClient client = SimpleClient.builder(server.connector()).start()) {
      client.request("warm", String.class).block(Duration.ofSeconds(10));
      Thread.sleep(1000); // let the idle strategy reach its longest park
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long agent = agentThread(threads);
      long process0 = processTicks();
      long agent0 = threads.getThreadCpuTime(agent);
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      double wall = (System.nanoTime() - t0) / 1e9;
      double processCpu = (processTicks() - process0) / 100.0; // USER_HZ
      double agentCpu = (threads.getThreadCpuTime(agent) - agent0) / 1e9;
      System.out.printf(
          "idle=%s over %.1f s: process %.2f%% of a core, agent thread %.2f%% of a core%n",
          idle.name().toLowerCase(), wall, 100 * processCpu / wall, 100 * agentCpu / wall);
    }
  }

  private static long agentThread(ThreadMXBean threads) {
    String name = "communica-shm-" + "";
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(name) && !t.getThreadName().contains("timer")
          && !t.getThreadName().contains("bell")) {
        return t.getThreadId();
      }
    }
    throw new IllegalStateException("no agent thread");
  }

  /** utime + stime of this process, in clock ticks. */
  private static long processTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
