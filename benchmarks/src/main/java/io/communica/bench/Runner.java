package io.communica.bench;

import io.communica.bench.CaseResult.Usage;
import io.communica.bench.stacks.Stack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs cases, each with a fresh server JVM and a fresh client JVM, and shows progress: which case,
 * which phase, and about how long the whole run has left.
 */
final class Runner {

  /** Options of both child JVMs, before the user's {@code --jvm-arg}s. */
  static final List<String> JVM_ARGS =
      List.of(
          "-Xms1g",
          "-Xmx1g",
          "-XX:+UseG1GC",
          // the heap's pages are touched at start: G1 grows the young generation to some 600 MB
          // after its first few collections, and a case measured in the first pass through
          // that memory paid a page fault per 4 KiB page allocated, a cost a running process pays
          // once; an idle case's resident set must not grow by such pages either
          "-XX:+AlwaysPreTouch",
          "-Dio.netty.leakDetection.level=disabled",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-Djava.awt.headless=true",
          // Netty's native transports load JNI libraries: Java 22+ warns without this, 17 accepts it
          "--enable-native-access=ALL-UNNAMED",
          // communica-shm's Agrona 2.x maps the rings with the JDK's internal Unsafe
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");

  /** Starting guess of the seconds a case spends outside warm-up and measurement. */
  private static final double STARTUP_GUESS = 3;

  private final Options options;
  private final Path out;
  private final PrintStream log;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "bench-watchdog");
            t.setDaemon(true);
            return t;
          });
  private double overheadSeconds = STARTUP_GUESS;
  private int overheadSamples;

  Runner(Options options, Path out, PrintStream log) {
    this.options = options;
    this.out = out;
    this.log = log;
  }

  RunResults run() throws IOException, InterruptedException {
    List<BenchCase> cases = options.cases();
    int rounds = options.repeat();
    Duration warmup = options.warmup();
    Duration measure = options.measure();
    Files.createDirectories(out.resolve("logs"));
    Instant started = Instant.now();
    double loadBefore = Machine.loadAverage();
    log.printf(
        Locale.ROOT,
        "%d cases x %d round(s), %s warm-up + %s measured each; results in %s%n",
        cases.size(), rounds, human(warmup.toMillis() / 1e3), human(measure.toMillis() / 1e3), out);
    List<CaseResult> results = new ArrayList<>();
    int total = cases.size() * rounds;
    int done = 0;
    try {
      for (int round = 1; round <= rounds; round++) {
        for (BenchCase c : cases) {
          double perCase = (warmup.toMillis() + measure.toMillis()) / 1e3 + overheadSeconds;
          log.printf(
              Locale.ROOT,
              "[%" + String.valueOf(total).length() + "d/%d, ~%s left] %s%s: ",
              done + 1, total, human((total - done) * perCase), c,
              rounds > 1 ? " (round " + round + ")" : "");
          log.flush();
          long t0 = System.nanoTime();
          CaseResult r = runCase(c, round, warmup, measure);
          double took = (System.nanoTime() - t0) / 1e9;
          overheadSeconds =
              (overheadSeconds * overheadSamples
                      + Math.max(0, took - (warmup.toMillis() + measure.toMillis()) / 1e3))
                  / ++overheadSamples;
          log.println(summary(r));
          results.add(r);
          done++;
        }
      }
    } finally {
      watchdog.shutdownNow();
    }
    RunResults.Settings settings =
        new RunResults.Settings(
            options.modeName(),
            warmup.toMillis() / 1e3,
            measure.toMillis() / 1e3,
            rounds,
            jvmArgs(),
            started.toString(),
            Instant.now().toString(),
            loadBefore,
            Machine.loadAverage());
    return RunResults.of(Machine.describe(), settings, results);
  }

  private List<String> jvmArgs() {
    List<String> args = new ArrayList<>(JVM_ARGS);
    args.addAll(options.jvmArgs);
    return args;
  }

  /**
   * A broker bind of the case's own: a broker keeps what a case left in its queues, so each case
   * gets an address of its own (the given one, or {@code bench}, with a random suffix) whose queues
   * expire ten minutes after it, unless the string sets the expiry. Other binds are as given.
   */
  static String perCase(String bind) {
    if (bind.startsWith("shm://")) {
      // a server name of the case's own: a JVM that did not close leaves no name taken
      return bind.replaceFirst(
          "^shm://([A-Za-z0-9._-]+)",
          "shm://$1-" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36));
    }
    if (!bind.startsWith("amqp")) {
      return bind;
    }
    String suffix =
        "-" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    String s =
        bind.matches(".*[?&]address=.*")
            ? bind.replaceFirst("([?&]address=[A-Za-z0-9._-]+)", "$1" + suffix)
            : bind + (bind.indexOf('?') >= 0 ? "&" : "?") + "address=bench" + suffix;
    return s.contains("xpires=") ? s : s + "&expires=10m&addressExpires=10m";
  }

  /** One case: server JVM up, client JVM runs the workload and reports, both gone. */
  private CaseResult runCase(BenchCase c, int round, Duration warmup, Duration measure)
      throws IOException, InterruptedException {
    String name = c.id().replace('/', '-') + "-r" + round;
    Path dir = Files.createTempDirectory("communica-bench-");
    String bind = perCase(options.binds.get(c.transport()).replace("{dir}", dir.toString()));
    long budget = warmup.toMillis() + measure.toMillis() + 60_000;
    String classPath = classPath(Stack.named(c.stack()));
    Process server =
        start(classPath, List.of("server", c.stack(), bind), name + "-server");
    PrintStream serverIn = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
    Process client = null;
    try {
      BufferedReader serverOut = reader(server);
      String ready = readLine(serverOut, server, 30_000);
      if (ready == null || !ready.startsWith(Roles.READY)) {
        return failed(c, round, "server did not start: " + tail(name + "-server"));
      }
      String address = ready.substring(Roles.READY.length());
      client =
          start(
              classPath,
              List.of(
                  "client",
                  c.id(),
                  address,
                  Long.toString(warmup.toMillis()),
                  Long.toString(measure.toMillis())),
              name + "-client");
      BufferedReader clientOut = reader(client);
      String line;
      while ((line = readLine(clientOut, client, budget)) != null) {
        if (line.startsWith(Roles.PHASE + Roles.NOTE + " ")) {
          log.print(line.substring(Roles.PHASE.length() + Roles.NOTE.length() + 1) + " ");
          log.flush();
        } else if (line.startsWith(Roles.PHASE)) {
          String[] f = line.split(" ");
          boolean warm = f[1].equals("warmup");
          if (!warm && options.profile) {
            serverIn.println(Roles.JFR_START);
          }
          log.print(
              (warm ? "warm-up " : "measuring ")
                  + human(Long.parseLong(f[2]) / 1e3)
                  + (warm ? ", " : " ... "));
          log.flush();
        } else if (line.startsWith(Roles.RESULT)) {
          if (options.profile) {
            serverIn.println(Roles.JFR_STOP);
          }
          CaseResult r =
              RunResults.JSON.readValue(line.substring(Roles.RESULT.length()), CaseResult.class);
          return r.withRound(round);
        }
      }
      return failed(c, round, "client ended without a result: " + tail(name + "-client"));
    } finally {
      stop(client);
      serverIn.close();
      if (!server.waitFor(10, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      deleteTree(dir);
    }
  }

  /**
   * The child JVMs' class path: this one's, or for a stack with a class path of its own this
   * module's classes and {@code target/lib-rsocket} (made by {@code package}).
   */
  static String classPath(Stack stack) {
    String own = System.getProperty("java.class.path");
    if (!stack.ownClassPath()) {
      return own;
    }
    Path target = Path.of(own.split(java.io.File.pathSeparator)[0]).toAbsolutePath().getParent();
    Path classes = target.resolve("classes");
    Path lib = target.resolve("lib-rsocket");
    if (!Files.isDirectory(classes) || !Files.isDirectory(lib)) {
      throw new IllegalStateException(
          "the "
              + stack.name()
              + " stack runs on its own class path, "
              + classes
              + " and "
              + lib
              + ": build them with ./mvnw -pl benchmarks -am package -DskipTests, or run"
              + " rsocket-shared (RSocket on this project's class path)");
    }
    StringBuilder cp = new StringBuilder(classes.toString());
    cp.append(java.io.File.pathSeparator).append(lib).append(java.io.File.separator).append('*');
    // the harness's own results code (Jackson), which shares nothing with RSocket's line
    try (var jars = Files.list(target.resolve("lib"))) {
      jars.filter(j -> j.getFileName().toString().startsWith("jackson-"))
          .forEach(j -> cp.append(java.io.File.pathSeparator).append(j));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return cp.toString();
  }

  private Process start(String classPath, List<String> roleArgs, String name)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmArgs());
    if (options.profile) {
      Path jfr = out.resolve("jfr");
      Files.createDirectories(jfr);
      cmd.add("-D" + Profiler.PROPERTY + "=" + jfr.resolve(name + ".jfr").toAbsolutePath());
      // samples are attributed to the frame that runs, not to the nearest safepoint's: without
      // it, inlined code shows as a few hot methods that only happen to carry debug info
      cmd.add("-XX:+UnlockDiagnosticVMOptions");
      cmd.add("-XX:+DebugNonSafepoints");
    }
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(Bench.class.getName());
    cmd.addAll(roleArgs);
    return new ProcessBuilder(cmd)
        .redirectError(out.resolve("logs").resolve(name + ".log").toFile())
        .start();
  }

  private static BufferedReader reader(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  /** A line of {@code p}'s output, or null at its end; {@code p} is killed after the timeout. */
  private @Nullable String readLine(BufferedReader r, Process p, long timeoutMs) throws IOException {
    ScheduledFuture<?> kill = watchdog.schedule(p::destroyForcibly, timeoutMs, TimeUnit.MILLISECONDS);
    try {
      return r.readLine();
    } finally {
      kill.cancel(false);
    }
  }

  private static void stop(@Nullable Process p) throws InterruptedException {
    if (p != null && !p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private String tail(String name) {
    try {
      List<String> lines = Files.readAllLines(out.resolve("logs").resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static CaseResult failed(BenchCase c, int round, String error) {
    Usage none = new Usage(0, 0, 0, 0, 0, -1);
    return new CaseResult(
        c.id(), c.stack(), c.transport(), c.payload(), c.mode(), c.inFlight(), round, 0, 0, 0, 0,
        null, none, none, -1, 1, error, null);
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(Runner::deleteQuietly);
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // as above
    }
  }

  static String summary(CaseResult r) {
    if (r.error() != null && r.operations() == 0) {
      return "FAILED: " + r.error();
    }
    CaseResult.MemoryUse m = r.memory();
    String figures =
        m != null && r.mode().startsWith("idle")
            ? String.format(
                Locale.ROOT,
                "server %,.0f B heap and %,.0f B RSS per idle connection, client %,.0f B heap",
                m.serverHeapPerConnection(),
                m.serverRssPerConnection(),
                m.clientHeapPerConnection())
            : m != null
                ? String.format(
                    Locale.ROOT,
                    "%s req/s; heap after GC end / start: server %.3f, client %.3f",
                    Report.rate(r.opsPerSec()),
                    m.serverHeapRatio(),
                    m.clientHeapRatio())
            : r.latencyUs() != null
            ? String.format(
                Locale.ROOT, "p50 %.1f us, p99 %.1f us", r.latencyUs().p50(), r.latencyUs().p99())
            : Report.rate(r.opsPerSec())
                + (r.mode().equals("stream")
                    ? " items/s received"
                    : r.inFlight() == 0 ? " msg/s received" : " req/s");
    return String.format(
        Locale.ROOT,
        "%s (client %.2f cores, server %.2f cores, others %.2f cores)%s%s",
        figures,
        r.client().cores(),
        r.server().cores(),
        r.otherCores(),
        compiling(r),
        r.errors() > 0 ? " with " + r.errors() + " errors: " + r.error() : "");
  }

  /**
   * A warning when either JVM's JIT compilers spent more than {@value
   * Roles#JIT_SETTLED_MS_PER_S} ms a second of the measured window: the warm-up ended before the
   * code was compiled, and the figure is of code still being compiled (their CPU counts in the
   * side's cores).
   */
  static String compiling(CaseResult r) {
    if (r.memory() != null) {
      return ""; // the memory modes measure heap and RSS, not speed, and settle no JIT first
    }
    double limit = Roles.JIT_SETTLED_MS_PER_S * r.seconds();
    List<String> sides = new ArrayList<>();
    if (r.client().jitMillis() > limit) {
      sides.add("client " + r.client().jitMillis() + " ms");
    }
    if (r.server().jitMillis() > limit) {
      sides.add("server " + r.server().jitMillis() + " ms");
    }
    return sides.isEmpty()
        ? ""
        : "; JIT still compiling in the window: " + String.join(", ", sides);
  }

  static String human(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + " s";
    }
    return s / 60 + " min " + (s % 60 < 10 ? "0" : "") + s % 60 + " s";
  }
}
