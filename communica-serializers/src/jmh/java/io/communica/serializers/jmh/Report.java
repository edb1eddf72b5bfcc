package io.communica.serializers.jmh;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the serializer benchmarks and prints, for each message and operation, the time of the
 * fastest 1 ms iteration and its ratio to {@code JsonSerializer}. The fastest iteration, not the
 * mean, because the machines this project runs on are shared: other processes preempt the
 * benchmark, which only ever adds time, and among a thousand short iterations some run
 * undisturbed. JMH options given as arguments are passed on (e.g. {@code Fixed} to run one class).
 */
public final class Report {

  private static final List<String> ORDER =
      List.of("json", "json-validating", "msgpack", "msgpack-validating", "cbor",
          "cbor-validating", "fixed-layout");

  private Report() {}

  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    OptionsBuilder options = new OptionsBuilder();
    options.parent(new CommandLineOptions(args));
    if (!Arrays.asList(args).contains("-v")) {
      options.verbosity(VerboseMode.SILENT);
    }
    if (args.length == 0 || args[args.length - 1].startsWith("-")) {
      options.include(SerializerBenchmark.class.getPackageName() + ".*Benchmark");
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    // message -> operation -> serializer -> fastest ns/op
    Map<String, Map<String, Map<String, Double>>> table = new LinkedHashMap<>();
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      String serializer = p.getParam("serializer") != null ? p.getParam("serializer") : "fixed-layout";
      String message = p.getParam("message") != null ? p.getParam("message") : "small";
      String op = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
      double fastest = Double.MAX_VALUE;
      for (BenchmarkResult b : r.getBenchmarkResults()) {
        for (IterationResult i : b.getIterationResults()) {
          fastest = Math.min(fastest, i.getPrimaryResult().getScore());
        }
      }
      table.computeIfAbsent(message, k -> new LinkedHashMap<>())
          .computeIfAbsent(op, k -> new LinkedHashMap<>())
          .put(serializer, fastest);
    }
    for (String message : List.of("small", "large")) {
      Map<String, Map<String, Double>> ops = table.get(message);
      if (ops == null) {
        continue;
      }
      System.out.printf("%n%s message%n%n", message);
      System.out.println("| serializer | encode | × json | decode | × json |");
      System.out.println("| --- | ---: | ---: | ---: | ---: |");
      for (String s : ORDER) {
        StringBuilder row = new StringBuilder("| " + s + " |");
        boolean any = false;
        for (String op : List.of("encode", "decode")) {
          Map<String, Double> times = ops.getOrDefault(op, Map.of());
          Double t = times.get(s);
          Double json = times.get("json");
          any |= t != null;
          row.append(t == null ? " |" : " " + format(t) + " |");
          row.append(t == null || json == null ? " |" : String.format(" %.2f |", t / json));
        }
        if (any) {
          System.out.println(row);
        }
      }
    }
  }

  private static String format(double ns) {
    return ns >= 10_000 ? String.format("%,.1f µs", ns / 1000) : String.format("%,.0f ns", ns);
  }
}
