package io.communica.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark harness's entry point.
 *
 * <pre>{@code
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar --quick                 # every case, a few s each
 * java -jar benchmarks/target/benchmarks.jar --full --docs docs      # what docs/BENCHMARKS.md shows
 * java -jar benchmarks/target/benchmarks.jar --cases 'communica/tcp/64/*' --profile
 * java -jar benchmarks/target/benchmarks.jar jmh Frames              # JMH microbenchmarks
 * }</pre>
 *
 * <p>Subcommands: {@code run} (the default), {@code report} (tables and charts again from a
 * results file), {@code jmh} (hands the rest of the line to JMH), and the two roles the harness
 * starts child JVMs with, {@code server} and {@code client}.
 */
public final class Bench {

  private static final java.util.Set<String> HELP = java.util.Set.of("help", "-h", "--help");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    int code = execute(List.of(args), System.out);
    if (code >= 0) {
      System.exit(code);
    }
  }

  /**
   * Runs a subcommand; returns the exit code, or -1 when the process must keep running (JMH and
   * the roles end it themselves).
   */
  static int execute(List<String> args, PrintStream log) throws Exception {
    if (!args.isEmpty() && HELP.contains(args.get(0))) {
      log.print(Options.USAGE);
      return 0;
    }
    String command = args.isEmpty() || args.get(0).startsWith("--") ? "run" : args.get(0);
    List<String> rest = args.isEmpty() || args.get(0).startsWith("--") ? args : args.subList(1, args.size());
    switch (command) {
      case "run" -> {
        if (rest.stream().anyMatch(HELP::contains)) {
          log.print(Options.USAGE);
          return 0;
        }
        Options options;
        try {
          options = Options.parse(rest);
          options.cases(); // a selection that selects nothing is a bad command line too
        } catch (IllegalArgumentException e) {
          String m = String.valueOf(e.getMessage());
          log.print(m.contains("Usage:") ? m : m + "\n\n" + Options.USAGE);
          return 2;
        }
        return run(options, log);
      }
      case "report" -> {
        return report(rest, log);
      }
      case "jmh" -> {
        org.openjdk.jmh.Main.main(rest.toArray(String[]::new));
        return -1;
      }
      case "server" -> {
        Roles.server(rest.get(0), rest.get(1));
        return 0;
      }
      case "client" -> {
        CaseResult r =
            Roles.client(
                BenchCase.parse(rest.get(0)),
                rest.get(1),
                Long.parseLong(rest.get(2)),
                Long.parseLong(rest.get(3)),
                System.out);
        System.out.println(Roles.RESULT + RunResults.JSON_LINE.writeValueAsString(r));
        System.out.flush();
        // the workload's connections are not worth a graceful close
        Runtime.getRuntime().halt(0);
        return 0;
      }
      default -> {
        log.print("unknown command '" + command + "'\n\n" + Options.USAGE);
        return 2;
      }
    }
  }

  /** Runs the selected cases and writes results, tables and charts. */
  static int run(Options options, PrintStream log) throws Exception {
    Path out =
        options.out != null
            ? options.out
            : Path.of(
                "benchmarks",
                "results",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    RunResults results = new Runner(options, out, log).run();
    write(results, out, options.docs, log);
    long failed = results.rounds().stream().filter(r -> r.errors() > 0).count();
    if (failed > 0) {
      log.println(failed + " case(s) had errors; see " + out.resolve("logs"));
      return 1;
    }
    return 0;
  }

  private static int report(List<String> args, PrintStream log) throws IOException {
    if (args.isEmpty()) {
      log.print(Options.USAGE);
      return 2;
    }
    Path file = Path.of(args.get(0));
    Path out = file.toAbsolutePath().getParent();
    Path docs = null;
    for (int i = 1; i + 1 < args.size(); i += 2) {
      switch (args.get(i)) {
        case "--out" -> out = Path.of(args.get(i + 1));
        case "--docs" -> docs = Path.of(args.get(i + 1));
        default -> throw new IllegalArgumentException("unknown option " + args.get(i));
      }
    }
    write(RunResults.read(file), out, docs, log);
    return 0;
  }

  /** Results file, CSV, tables and charts into {@code out}, and into {@code docs} if given. */
  static void write(RunResults results, Path out, @Nullable Path docs, PrintStream log)
      throws IOException {
    Files.createDirectories(out);
    results.writeJson(out.resolve("results.json"));
    results.writeCsv(out.resolve("results.csv"));
    Charts.write(results, out);
    Files.writeString(out.resolve("report.md"), Report.generated(results, "."));
    log.println("results: " + out.resolve("results.json") + ", tables: " + out.resolve("report.md"));
    if (docs != null) {
      Path assets = docs.resolve("benchmarks");
      results.writeJson(assets.resolve("results.json"));
      Charts.write(results, assets);
      Path doc = docs.resolve("BENCHMARKS.md");
      String existing = Files.exists(doc) ? Files.readString(doc) : null;
      Files.writeString(doc, Report.updateDoc(existing, Report.generated(results, "benchmarks")));
      log.println("updated " + doc);
    }
  }
}
