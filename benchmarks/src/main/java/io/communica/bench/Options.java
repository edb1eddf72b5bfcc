package io.communica.bench;

import io.communica.bench.stacks.Stack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The harness's command line. See {@link #USAGE}. */
final class Options {

  static final String USAGE =
      """
      Usage: java -jar benchmarks/target/benchmarks.jar [run] [options]
             java -jar benchmarks/target/benchmarks.jar report RESULTS.json [--out DIR] [--docs DIR]
             java -jar benchmarks/target/benchmarks.jar jmh [JMH options, e.g. -l, Frames, -h]

      Runs every selected case with the server and the client in two fresh JVMs on loopback.

        --quick             2 s warm-up, 2 s measured per case, 1 round (default)
        --full              5 s warm-up, 10 s measured per case, 2 rounds (medians reported)
        --transport LIST    tcp, unix, amqp, amqp-direct, shm, shm-spin, udp (default tcp); a
                            stack runs on the transports it has
        --stacks LIST       communica, floor, rsocket, communica-reactive, communica-payload,
                            rsocket-shared, ringfloor (shm only), amqp-raw
                            (default communica,floor,rsocket)
        --payloads LIST     payload sizes in bytes (default 64,4096)
        --modes LIST        latency, tp1, tp64, tp256 (tpN = N requests in flight), fnf,
                            flat256 (256 in flight through Flux.flatMap, as users write it;
                            reactive stacks only, not by default),
                            stream (a request-stream, items per second received; not by default)
                            (default all five); memory modes, not by default, on communica,
                            floor and rsocket over tcp and unix: idle<N> (the server's heap
                            after GC and RSS per idle connection, N connections, e.g. idle10k;
                            run with the first payload only) and long<N> (N requests on one
                            connection, 256 in flight, heap after GC of both sides at the start
                            and the end, e.g. long100M, long10M); N may end in k or M
        --cases GLOBS       only cases whose id stack/transport/payload/mode matches one of the
                            comma-separated globs, e.g. 'communica/tcp/64/tp256' or '*/tcp/64/*'
        --warmup DURATION   override the warm-up (e.g. 500ms, 3s)
        --measure DURATION  override the measured window
        --repeat N          override the number of rounds
        --bind T=CONNECTOR  where servers of transport T bind; {dir} is a fresh temporary
                            directory (defaults: tcp=tcp://127.0.0.1:0,
                            unix=unix://{dir}/bench.sock, amqp=amqp://guest:guest@127.0.0.1:5672,
                            amqp-direct=amqp://guest:guest@127.0.0.1:5672?replies=direct,
                            shm=shm://bench, shm-spin=shm://bench?idle=spin,
                            udp=udp://127.0.0.1:0); an amqp bind gets an address of its own per
                            case (the given ?address=, or bench, with a random suffix), a shm
                            bind a name of its own (a random suffix)
        --jvm-arg ARG       an extra JVM option for both child JVMs (repeatable)
        --profile           record the measured window of both JVMs with JFR (OUT/jfr/*.jfr)
        --out DIR           results directory (default benchmarks/results/<date-time>)
        --docs DIR          also write DIR/BENCHMARKS.md (its generated section) and
                            DIR/benchmarks/ (charts, results.json)
      """;

  static final Map<String, String> DEFAULT_BINDS =
      Map.of(
          "tcp", "tcp://127.0.0.1:0",
          "unix", "unix://{dir}/bench.sock",
          "amqp", "amqp://guest:guest@127.0.0.1:5672",
          "amqp-direct", "amqp://guest:guest@127.0.0.1:5672?replies=direct",
          "shm", "shm://bench",
          "shm-spin", "shm://bench?idle=spin",
          "udp", "udp://127.0.0.1:0");

  boolean full;
  List<String> transports = List.of("tcp");
  List<String> stacks = List.of("communica", "floor", "rsocket");
  List<Integer> payloads = List.of(64, 4096);
  List<String> modes = BenchCase.MODES;
  List<Pattern> casePatterns = List.of();
  @Nullable Duration warmup;
  @Nullable Duration measure;
  @Nullable Integer repeat;
  final Map<String, String> binds = new LinkedHashMap<>(DEFAULT_BINDS);
  final List<String> jvmArgs = new ArrayList<>();
  boolean profile;
  @Nullable Path out;
  @Nullable Path docs;

  static Options parse(List<String> args) {
    Options o = new Options();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick" -> o.full = false;
        case "--full" -> o.full = true;
        case "--profile" -> o.profile = true;
        case "--transport", "--transports" -> o.transports = list(value(args, ++i, a));
        case "--stacks" -> {
          o.stacks = list(value(args, ++i, a));
          o.stacks.forEach(Stack::named);
        }
        case "--payloads" ->
            o.payloads = list(value(args, ++i, a)).stream().map(Integer::valueOf).toList();
        case "--modes" -> o.modes = list(value(args, ++i, a));
        case "--cases" ->
            o.casePatterns = list(value(args, ++i, a)).stream().map(Options::glob).toList();
        case "--warmup" -> o.warmup = duration(value(args, ++i, a));
        case "--measure" -> o.measure = duration(value(args, ++i, a));
        case "--repeat" -> o.repeat = Integer.valueOf(value(args, ++i, a));
        case "--bind" -> {
          String b = value(args, ++i, a);
          int eq = b.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--bind takes TRANSPORT=CONNECTOR: " + b);
          }
          o.binds.put(b.substring(0, eq), b.substring(eq + 1));
        }
        case "--jvm-arg" -> o.jvmArgs.add(value(args, ++i, a));
        case "--out" -> o.out = Path.of(value(args, ++i, a));
        case "--docs" -> o.docs = Path.of(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown option '" + a + "'\n\n" + USAGE);
      }
    }
    if (o.repeat != null && o.repeat < 1) {
      throw new IllegalArgumentException("--repeat must be at least 1");
    }
    return o;
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.get(i);
  }

  private static List<String> list(String s) {
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  private static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (String part : g.split("\\*", -1)) {
      if (re.length() > 0) {
        re.append(".*");
      }
      re.append(Pattern.quote(part));
    }
    return Pattern.compile(re.toString());
  }

  /** {@code 500ms}, {@code 3s}, {@code 2m}, or plain seconds. */
  static Duration duration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
    }
    if (t.endsWith("m")) {
      return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
  }

  Duration warmup() {
    return warmup != null ? warmup : Duration.ofSeconds(full ? 5 : 2);
  }

  Duration measure() {
    return measure != null ? measure : Duration.ofSeconds(full ? 10 : 2);
  }

  int repeat() {
    return repeat != null ? repeat : full ? 2 : 1;
  }

  String modeName() {
    return full ? "full" : "quick";
  }

  /**
   * The selected cases in run order: by transport, payload and workload, every stack one after the
   * other, so that the figures a ratio compares are measured close together in time.
   */
  List<BenchCase> cases() {
    List<BenchCase> cases = new ArrayList<>();
    for (String transport : transports) {
      if (!binds.containsKey(transport)) {
        throw new IllegalArgumentException(
            "unknown transport '" + transport + "'; give its server address with --bind "
                + transport + "=CONNECTOR");
      }
      for (int payload : payloads) {
        for (String mode : modes) {
          for (String stack : stacks) {
            if (!Stack.named(stack).transports().contains(transport)
                || (mode.equals("stream") && !Stack.named(stack).streams())
                || (mode.startsWith("flat") && !Stack.named(stack).reactive())
                || (BenchCase.isMemory(mode) && !Stack.named(stack).memoryModes())
                || (mode.startsWith("idle") && payload != payloads.get(0))) {
              continue;
            }
            BenchCase c = new BenchCase(stack, transport, payload, mode);
            if (casePatterns.isEmpty()
                || casePatterns.stream().anyMatch(p -> p.matcher(c.id()).matches())) {
              cases.add(c);
            }
          }
        }
      }
    }
    if (cases.isEmpty()) {
      throw new IllegalArgumentException("no case selected");
    }
    return cases;
  }
}
