package io.communica.bench;

import io.communica.bench.CaseResult.Latency;
import io.communica.bench.stacks.Stack;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Markdown tables of a run: absolute figures per stack and the ratios of communica to the floor
 * and to RSocket, CPU per operation, the memory modes, and the open goals ({@link Goals}) with
 * their measured ratios.
 */
final class Report {

  static final String BEGIN =
      "<!-- BEGIN GENERATED: written by `java -jar benchmarks/target/benchmarks.jar --docs docs`;"
          + " edit outside these markers -->";
  static final String END = "<!-- END GENERATED -->";

  private static final String FLOOR = "floor";
  private static final String RSOCKET = "rsocket";
  private static final String AMQP_RAW = "amqp-raw";
  private static final String COMMUNICA = "communica";

  private Report() {}

  /** The generated section; charts are referenced under {@code chartDir}. */
  static String generated(RunResults r, String chartDir) {
    StringBuilder sb = new StringBuilder();
    RunResults.Settings s = r.settings();
    Machine m = r.machine();
    sb.append("### Run\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "%s mode: %s warm-up and %s measured per case, %d round(s)%s; started %s.%n%n",
            s.mode(),
            Runner.human(s.warmupSeconds()),
            Runner.human(s.measureSeconds()),
            s.rounds(),
            s.rounds() > 1 ? " (each figure is the median of the rounds)" : "",
            s.started()));
    sb.append(
        String.format(
            Locale.ROOT,
            "Machine: %s, %d cores, %.1f GiB, %s, %s. Load average %.2f before the run, %.2f"
                + " after. Client and server in separate JVMs on loopback, each started fresh for"
                + " every case, with `%s`.%n%n",
            m.cpu(), m.cores(), m.memoryMiB() / 1024.0, m.os(), m.java(), s.loadBefore(),
            s.loadAfter(), String.join(" ", s.jvmArgs())));
    List<CaseResult> measured = r.rounds().stream().filter(c -> c.otherCores() >= 0).toList();
    if (!measured.isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "Other processes on the machine used a median of %.2f cores (at most %.2f) during"
                  + " the measured windows; figures measured while that was high deserve less"
                  + " trust (per case in `results.json`, field `otherCores`).%n%n",
              RunResults.median(measured, CaseResult::otherCores),
              measured.stream().mapToDouble(CaseResult::otherCores).max().orElse(0)));
    }
    if (Charts.drawsThroughput(r)) {
      sb.append("![Throughput](").append(chartDir).append("/throughput.svg)\n\n");
    }
    if (Charts.drawsLatency(r)) {
      sb.append("![Latency](").append(chartDir).append("/latency.svg)\n\n");
    }
    List<String> stacks = stacks(r);
    for (String transport : distinct(r, CaseResult::transport)) {
      for (String payload : distinct(r, c -> Integer.toString(c.payload()))) {
        int size = Integer.parseInt(payload);
        if (modesRun(r, transport, size).isEmpty()) {
          continue; // only memory modes: their own section below
        }
        sb.append("### ")
            .append(transport.toUpperCase(Locale.ROOT))
            .append(", ")
            .append(BenchCase.size(size))
            .append(" payload\n\n");
        // only the stacks that ran here: a column of dashes says nothing
        List<String> here =
            stacks.stream()
                .filter(st -> r.summary().stream().anyMatch(c -> c.stack().equals(st)
                    && c.transport().equals(transport) && c.payload() == size))
                .toList();
        throughputTable(sb, r, here, transport, size);
        latencyTable(sb, r, here, transport, size);
        cpuTable(sb, r, here, transport, size);
        othersTable(sb, r, here, transport, size);
      }
    }
    Goals.table(sb, r);
    memory(sb, r, stacks);
    return sb.toString();
  }

  /** Idle runs of fewer connections than this give figures, not verdicts (the goal's size). */
  static final long JUDGED_IDLE_CONNECTIONS = 10_000;

  /** Long runs of fewer requests than this give figures, not verdicts. */
  static final long JUDGED_LONG_REQUESTS = 10_000_000;

  /** The goal: server heap per idle connection, bytes. */
  static final double IDLE_HEAP_GOAL = 2048;

  /** The goal: heap after GC at the end of a long run within this fraction of the start. */
  static final double LONG_FLAT_GOAL = 0.05;

  private static String bytes(double b) {
    return String.format(Locale.ROOT, "%,.0f B", b);
  }

  private static String mib(double b) {
    return String.format(Locale.ROOT, "%.1f MiB", b / (1024 * 1024));
  }

  private static final String IDLE_TEXT =
      "Bytes per idle connection (lower is better): growth of the heap after two full"
          + " collections and of the resident set (VmRSS; heap pre-touched) from before the"
          + " connections were opened to when the server counted them all, divided by their"
          + " number; each connection a client of its own, as users make it.\n\n";

  private static final String LONG_TEXT =
      "Heap after two full collections at the start of the run (after the warm-up) and at its"
          + " end, and end / start (1.00 = flat).\n\n";

  /** One row of a memory table: its label, the figure of a case, and how it is written. */
  private record MemFigure(
      String label, ToDoubleFunction<CaseResult> value, DoubleFunction<String> format) {

    static MemFigure of(
        String label, ToDoubleFunction<CaseResult.MemoryUse> f, DoubleFunction<String> format) {
      return new MemFigure(
          label, c -> c.memory() == null ? 0 : f.applyAsDouble(c.memory()), format);
    }
  }

  private static final DoubleFunction<String> RATIO3 =
      v -> String.format(Locale.ROOT, "%.3f", v);

  private static final List<MemFigure> IDLE_FIGURES =
      List.of(
          MemFigure.of("server heap", CaseResult.MemoryUse::serverHeapPerConnection, Report::bytes),
          MemFigure.of("server RSS", CaseResult.MemoryUse::serverRssPerConnection, Report::bytes),
          MemFigure.of("client heap", CaseResult.MemoryUse::clientHeapPerConnection, Report::bytes),
          MemFigure.of("client RSS", CaseResult.MemoryUse::clientRssPerConnection, Report::bytes),
          MemFigure.of("server heap, before", CaseResult.MemoryUse::serverHeapBefore, Report::mib),
          MemFigure.of("server heap, after", CaseResult.MemoryUse::serverHeapAfter, Report::mib),
          MemFigure.of("server RSS, after", CaseResult.MemoryUse::serverRssAfter, Report::mib),
          new MemFigure(
              "time to open them (s)",
              CaseResult::seconds,
              v -> String.format(Locale.ROOT, "%.1f", v)));

  private static final List<MemFigure> LONG_FIGURES =
      List.of(
          MemFigure.of("server heap, start", CaseResult.MemoryUse::serverHeapBefore, Report::mib),
          MemFigure.of("server heap, end", CaseResult.MemoryUse::serverHeapAfter, Report::mib),
          MemFigure.of("server end / start", CaseResult.MemoryUse::serverHeapRatio, RATIO3),
          MemFigure.of("client heap, start", CaseResult.MemoryUse::clientHeapBefore, Report::mib),
          MemFigure.of("client heap, end", CaseResult.MemoryUse::clientHeapAfter, Report::mib),
          MemFigure.of("client end / start", CaseResult.MemoryUse::clientHeapRatio, RATIO3),
          new MemFigure("requests per second", CaseResult::opsPerSec, Report::rate),
          new MemFigure(
              "server GCs in the run",
              c -> c.server().gcCount(),
              v -> String.format(Locale.ROOT, "%.0f", v)));

  /** The memory modes: per idle connection, and a long run's heap at its start and end. */
  private static void memory(StringBuilder sb, RunResults r, List<String> stacks) {
    List<CaseResult> mem = r.summary().stream().filter(c -> c.memory() != null).toList();
    if (mem.isEmpty()) {
      return;
    }
    List<Target> rows = new ArrayList<>();
    List<Boolean> judged = new ArrayList<>();
    for (String transport : distinct(r, CaseResult::transport)) {
      for (String mode : new LinkedHashSet<>(
          mem.stream().filter(c -> c.transport().equals(transport)).map(CaseResult::mode).toList())) {
        CaseResult any =
            mem.stream()
                .filter(c -> c.transport().equals(transport) && c.mode().equals(mode))
                .findFirst()
                .orElseThrow();
        int payload = any.payload();
        boolean idle = mode.startsWith("idle");
        sb.append("### Memory: ")
            .append(transport.toUpperCase(Locale.ROOT))
            .append(", ")
            .append(BenchCase.describeMode(mode))
            .append(idle ? "" : ", " + BenchCase.size(payload))
            .append("\n\n");
        // only the stacks that ran this mode: a column of dashes says nothing
        List<String> here =
            stacks.stream()
                .filter(st -> mem.stream().anyMatch(c -> c.stack().equals(st)
                    && c.transport().equals(transport) && c.mode().equals(mode)))
                .toList();
        sb.append(idle ? IDLE_TEXT : LONG_TEXT);
        header(sb, "figure", here);
        for (MemFigure f : idle ? IDLE_FIGURES : LONG_FIGURES) {
          row(sb, r, here, f.label(), transport, payload, mode, f.value(), f.format());
        }
        sb.append('\n');
        CaseResult c = r.find(COMMUNICA + "/" + transport + "/" + payload + "/" + mode);
        if (c == null || failed(c) || c.memory() == null) {
          continue;
        }
        CaseResult.MemoryUse m = c.memory();
        if (idle) {
          double perConn = m.serverHeapPerConnection();
          String vs = baselines(r, transport, payload, mode, x -> x.serverHeapPerConnection());
          rows.add(target(
              transport.toUpperCase(Locale.ROOT) + ", " + BenchCase.describeMode(mode)
                  + ": ≤ 2 KiB of server heap per idle connection",
              String.format(Locale.ROOT, "%s%s", bytes(perConn), vs),
              perConn <= IDLE_HEAP_GOAL));
          judged.add(m.connections() >= JUDGED_IDLE_CONNECTIONS);
        } else {
          // the goal is about what a long run accumulates: an end below the start (what the
          // start held besides the run's steady state) meets it, and is shown as it is
          double worst = Math.max(m.serverHeapRatio(), m.clientHeapRatio()) - 1;
          rows.add(target(
              transport.toUpperCase(Locale.ROOT) + ", " + BenchCase.describeMode(mode)
                  + ": heap after GC flat within 5% (end / start ≤ 1.05, both sides; the goal's"
                  + " run is 100 M)",
              String.format(Locale.ROOT, "server %.3f×, client %.3f× (%s requests)",
                  m.serverHeapRatio(), m.clientHeapRatio(), rate(m.requests())),
              worst <= LONG_FLAT_GOAL));
          judged.add(m.requests() >= JUDGED_LONG_REQUESTS);
        }
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    sb.append("### Memory targets\n\n| target | measured | met |\n|---|---|---|\n");
    for (int i = 0; i < rows.size(); i++) {
      Target row = rows.get(i);
      sb.append("| ").append(row.name()).append(" | ").append(row.measured()).append(" | ")
          .append(judged.get(i) ? (row.met() ? "yes" : "**no**") : "not judged: run too small")
          .append(" |\n");
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%nMemory targets are judged on idle runs of at least %,d connections and long runs"
                + " of at least %s requests.%n%n",
            JUDGED_IDLE_CONNECTIONS,
            rate(JUDGED_LONG_REQUESTS)));
  }

  /** {@code " (floor 300 B, rsocket 5,100 B)"}: the same figure of the baselines run. */
  private static String baselines(
      RunResults r, String transport, int payload, String mode,
      ToDoubleFunction<CaseResult.MemoryUse> f) {
    List<String> parts = new ArrayList<>();
    for (String b : List.of(FLOOR, RSOCKET)) {
      CaseResult c = r.find(b + "/" + transport + "/" + payload + "/" + mode);
      if (c != null && !failed(c) && c.memory() != null) {
        parts.add(b + " " + bytes(f.applyAsDouble(c.memory())));
      }
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  /** Stacks that were run, in {@link Stack#NAMES} order. */
  private static List<String> stacks(RunResults r) {
    Set<String> present = new LinkedHashSet<>(distinct(r, CaseResult::stack));
    return Stack.NAMES.stream().filter(present::contains).toList();
  }

  private static List<String> distinct(
      RunResults r, java.util.function.Function<CaseResult, String> f) {
    return new ArrayList<>(new LinkedHashSet<>(r.summary().stream().map(f).toList()));
  }

  /** Column headers: the stacks, then each communica stack over each baseline. */
  private static List<String[]> ratioColumns(List<String> stacks) {
    List<String[]> cols = new ArrayList<>();
    for (String p : stacks) {
      if (p.startsWith(COMMUNICA)) {
        for (String b : List.of(FLOOR, RSOCKET, AMQP_RAW, "ringfloor")) {
          if (stacks.contains(b)) {
            cols.add(new String[] {p, b});
          }
        }
      }
    }
    return cols;
  }

  private static void header(StringBuilder sb, String first, List<String> stacks) {
    header(sb, first, stacks, ratioColumns(stacks));
  }

  private static void header(
      StringBuilder sb, String first, List<String> stacks, List<String[]> ratios) {
    sb.append("| ").append(first).append(" |");
    stacks.forEach(st -> sb.append(' ').append(st).append(" |"));
    ratios.forEach(x -> sb.append(' ').append(x[0]).append(" / ").append(x[1]).append(" |"));
    sb.append("\n|---|");
    for (int i = 0; i < stacks.size() + ratios.size(); i++) {
      sb.append("---:|");
    }
    sb.append('\n');
  }

  private static void row(
      StringBuilder sb,
      RunResults r,
      List<String> stacks,
      String label,
      String transport,
      int payload,
      String mode,
      ToDoubleFunction<CaseResult> value,
      DoubleFunction<String> format) {
    row(sb, r, stacks, ratioColumns(stacks), label, transport, payload, mode, value, format);
  }

  private static void row(
      StringBuilder sb,
      RunResults r,
      List<String> stacks,
      List<String[]> ratios,
      String label,
      String transport,
      int payload,
      String mode,
      ToDoubleFunction<CaseResult> value,
      DoubleFunction<String> format) {
    sb.append("| ").append(label).append(" |");
    for (String st : stacks) {
      CaseResult c = r.find(st + "/" + transport + "/" + payload + "/" + mode);
      sb.append(' ').append(c == null || failed(c) ? "–" : format.apply(value.applyAsDouble(c))).append(" |");
    }
    for (String[] x : ratios) {
      sb.append(' ')
          .append(ratio(ratioValue(r, value, x[0], x[1], transport, payload, mode)))
          .append(" |");
    }
    sb.append('\n');
  }

  static boolean failed(CaseResult c) {
    return c.operations() == 0 && c.error() != null;
  }

  private static String ratio(@Nullable Double v) {
    return v == null ? "–" : String.format(Locale.ROOT, "%.2f×", v);
  }

  private static @Nullable Double ratioValue(
      RunResults r,
      ToDoubleFunction<CaseResult> value,
      String a,
      String b,
      String transport,
      int payload,
      String mode) {
    CaseResult ca = r.find(a + "/" + transport + "/" + payload + "/" + mode);
    CaseResult cb = r.find(b + "/" + transport + "/" + payload + "/" + mode);
    if (ca == null || cb == null || failed(ca) || failed(cb) || value.applyAsDouble(cb) == 0) {
      return null;
    }
    return value.applyAsDouble(ca) / value.applyAsDouble(cb);
  }

  private static void throughputTable(
      StringBuilder sb, RunResults r, List<String> stacks, String transport, int payload) {
    List<String> modes =
        modesRun(r, transport, payload).stream().filter(m -> !m.equals("latency")).toList();
    if (modes.isEmpty()) {
      return;
    }
    sb.append("Throughput (higher is better): requests per second with N in flight; ")
        .append("fire-and-forget messages per second received by the server.\n\n");
    header(sb, "workload", stacks);
    for (String mode : modes) {
      row(sb, r, stacks, BenchCase.describeMode(mode), transport, payload, mode,
          CaseResult::opsPerSec, Report::rate);
    }
    sb.append('\n');
  }

  private static void latencyTable(
      StringBuilder sb, RunResults r, List<String> stacks, String transport, int payload) {
    if (!has(r, transport, payload, "latency")) {
      return;
    }
    sb.append("Latency of sequential requests in µs (lower is better; a ratio below 1 means")
        .append(" communica is faster):\n\n");
    header(sb, "percentile", stacks);
    List<String> names = List.of("p50", "p90", "p99", "p99.9", "max");
    List<ToDoubleFunction<Latency>> fs =
        List.of(Latency::p50, Latency::p90, Latency::p99, Latency::p999, Latency::max);
    for (int i = 0; i < names.size(); i++) {
      ToDoubleFunction<Latency> f = fs.get(i);
      row(sb, r, stacks, names.get(i), transport, payload, "latency",
          c -> c.latencyUs() == null ? 0 : f.applyAsDouble(c.latencyUs()),
          v -> String.format(Locale.ROOT, "%.1f", v));
    }
    sb.append('\n');
  }

  private static void cpuTable(
      StringBuilder sb, RunResults r, List<String> stacks, String transport, int payload) {
    List<String> modes = modesRun(r, transport, payload);
    sb.append("CPU per operation in µs, client / server (lower is better), and garbage")
        .append(" collections in the measured window, client / server:\n\n| workload |");
    stacks.forEach(st -> sb.append(' ').append(st).append(" CPU | ").append(st).append(" GCs |"));
    sb.append("\n|---|");
    stacks.forEach(st -> sb.append("---:|---:|"));
    sb.append('\n');
    for (String mode : modes) {
      sb.append("| ").append(BenchCase.describeMode(mode)).append(" |");
      for (String st : stacks) {
        CaseResult c = r.find(st + "/" + transport + "/" + payload + "/" + mode);
        if (c == null || failed(c)) {
          sb.append(" – | – |");
        } else {
          sb.append(
              String.format(
                  Locale.ROOT,
                  " %.2f / %.2f | %d / %d |",
                  c.client().cpuUsPerOp(),
                  c.server().cpuUsPerOp(),
                  c.client().gcCount(),
                  c.server().gcCount()));
        }
      }
      sb.append('\n');
    }
    sb.append('\n');
  }

  private static void othersTable(
      StringBuilder sb, RunResults r, List<String> stacks, String transport, int payload) {
    List<String> modes = modesRun(r, transport, payload);
    sb.append("CPU used by other processes on the machine during the measured window, in cores")
        .append(" (0 = the machine was otherwise idle; see \"Reading the figures\"):\n\n");
    header(sb, "workload", stacks, List.of());
    for (String mode : modes) {
      row(sb, r, stacks, List.of(), BenchCase.describeMode(mode), transport, payload, mode,
          CaseResult::otherCores, v -> v < 0 ? "?" : String.format(Locale.ROOT, "%.2f", v));
    }
    sb.append('\n');
  }

  /**
   * The workloads run on this transport and payload, memory modes aside: the default ones in table
   * order, then the others ({@code flat256}, {@code tp4}, {@code stream}) as they were run.
   */
  private static List<String> modesRun(RunResults r, String transport, int payload) {
    Set<String> modes = new LinkedHashSet<>();
    BenchCase.MODES.stream().filter(m -> has(r, transport, payload, m)).forEach(modes::add);
    r.summary().stream()
        .filter(c -> c.transport().equals(transport) && c.payload() == payload)
        .map(CaseResult::mode)
        .filter(m -> !BenchCase.isMemory(m))
        .forEach(modes::add);
    return List.copyOf(modes);
  }

  private static boolean has(RunResults r, String transport, int payload, String mode) {
    return r.summary().stream()
        .anyMatch(c -> c.transport().equals(transport) && c.payload() == payload && c.mode().equals(mode));
  }

  /** Shorter measured windows than this (per case) give figures, not verdicts. */
  static final int JUDGED_MEASURE_SECONDS = 10;

  private record Target(String name, String measured, boolean met) {}

  private static Target target(String name, String measured, boolean met) {
    return new Target(name, measured, met);
  }

  /** {@code 512 k}, {@code 3.41 M}. */
  static String rate(double perSecond) {
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.1f k", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }

  /** {@code existing} with its generated section replaced, or a new document around it. */
  static String updateDoc(@Nullable String existing, String generated) {
    String section = BEGIN + "\n\n" + generated + END;
    if (existing != null) {
      int b = existing.indexOf(BEGIN);
      int e = existing.indexOf(END);
      if (b >= 0 && e > b) {
        return existing.substring(0, b) + section + existing.substring(e + END.length());
      }
      return existing.stripTrailing() + "\n\n## Results\n\n" + section + "\n";
    }
    return "# Benchmarks\n\n## Results\n\n" + section + "\n";
  }
}
