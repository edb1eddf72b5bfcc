package io.communica.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.communica.bench.CaseResult.Latency;
import io.communica.bench.CaseResult.MemoryUse;
import io.communica.bench.CaseResult.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Everything one run produced: the machine, the settings, every case of every round, and the
 * summary (per case, the median of its rounds). Written as {@code results.json} and {@code
 * results.csv}.
 *
 * @param machine the machine
 * @param settings how the run was made
 * @param rounds every case of every round
 * @param summary per case, the median of its rounds
 */
public record RunResults(
    Machine machine, Settings settings, List<CaseResult> rounds, List<CaseResult> summary) {

  /**
   * How a run was made.
   *
   * @param mode {@code quick} or {@code full}
   * @param warmupSeconds warm-up per case
   * @param measureSeconds measured window per case
   * @param rounds rounds
   * @param jvmArgs options of both child JVMs
   * @param started start time (ISO-8601)
   * @param finished end time (ISO-8601)
   * @param loadBefore 1-minute load average before the run
   * @param loadAfter 1-minute load average after the run
   */
  public record Settings(
      String mode,
      double warmupSeconds,
      double measureSeconds,
      int rounds,
      List<String> jvmArgs,
      String started,
      String finished,
      double loadBefore,
      double loadAfter) {}

  static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** One result per line, for the client's report to the harness. */
  static final ObjectMapper JSON_LINE = JsonMapper.builder().build();

  /** Results with a summary computed from {@code rounds}. */
  static RunResults of(Machine machine, Settings settings, List<CaseResult> rounds) {
    return new RunResults(machine, settings, rounds, summarize(rounds));
  }

  static RunResults read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), RunResults.class);
  }

  void writeJson(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(file.toFile(), this);
  }

  void writeCsv(Path file) throws IOException {
    StringBuilder sb =
        new StringBuilder(
            "id,stack,transport,payload,mode,in_flight,round,seconds,operations,ops_per_sec,"
                + "sent_per_sec,p50_us,p90_us,p99_us,p999_us,max_us,client_cores,"
                + "client_cpu_us_per_op,client_gcs,server_cores,server_cpu_us_per_op,server_gcs,"
                + "other_cores,errors,server_heap_before,server_heap_after,server_rss_before,"
                + "server_rss_after,client_heap_before,client_heap_after,server_heap_per_conn,"
                + "server_rss_per_conn,server_heap_ratio,client_heap_ratio\n");
    List<CaseResult> all = new ArrayList<>(rounds);
    all.addAll(summary);
    for (CaseResult r : all) {
      Latency l = r.latencyUs();
      List<Object> f =
          List.of(
              r.id(), r.stack(), r.transport(), r.payload(), r.mode(), r.inFlight(), r.round(),
              num(r.seconds()), r.operations(), num(r.opsPerSec()), num(r.sentPerSec()),
              l == null ? "" : num(l.p50()), l == null ? "" : num(l.p90()),
              l == null ? "" : num(l.p99()), l == null ? "" : num(l.p999()),
              l == null ? "" : num(l.max()), num(r.client().cores()),
              num(r.client().cpuUsPerOp()), r.client().gcCount(), num(r.server().cores()),
              num(r.server().cpuUsPerOp()), r.server().gcCount(), num(r.otherCores()),
              r.errors());
      List<Object> fields = new ArrayList<>(f);
      MemoryUse m = r.memory();
      if (m == null) {
        fields.addAll(java.util.Collections.nCopies(10, ""));
      } else {
        fields.addAll(
            List.of(
                m.serverHeapBefore(), m.serverHeapAfter(), m.serverRssBefore(),
                m.serverRssAfter(), m.clientHeapBefore(), m.clientHeapAfter(),
                num(m.serverHeapPerConnection()), num(m.serverRssPerConnection()),
                num(m.serverHeapRatio()), num(m.clientHeapRatio())));
      }
      sb.append(String.join(",", fields.stream().map(String::valueOf).toList())).append('\n');
    }
    Files.writeString(file, sb.toString());
  }

  private static String num(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  /** The summary entry of case {@code id}, if it was run. */
  @Nullable CaseResult find(String id) {
    return summary.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
  }

  /** Per case in first-run order, the median of every figure over its rounds. */
  static List<CaseResult> summarize(List<CaseResult> rounds) {
    Map<String, List<CaseResult>> byId = new LinkedHashMap<>();
    for (CaseResult r : rounds) {
      byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r);
    }
    List<CaseResult> out = new ArrayList<>();
    for (List<CaseResult> rs : byId.values()) {
      CaseResult f = rs.get(0);
      Latency lat = null;
      if (rs.stream().allMatch(r -> r.latencyUs() != null)) {
        List<Latency> ls = rs.stream().map(r -> Objects.requireNonNull(r.latencyUs())).toList();
        lat =
            new Latency(
                median(ls, Latency::p50),
                median(ls, Latency::p90),
                median(ls, Latency::p99),
                median(ls, Latency::p999),
                median(ls, Latency::max),
                median(ls, Latency::mean),
                (long) median(ls, l -> l.samples()));
      }
      String error =
          rs.stream().map(CaseResult::error).filter(Objects::nonNull).findFirst().orElse(null);
      out.add(
          new CaseResult(
              f.id(), f.stack(), f.transport(), f.payload(), f.mode(), f.inFlight(), 0,
              median(rs, CaseResult::seconds),
              (long) median(rs, r -> r.operations()),
              median(rs, CaseResult::opsPerSec),
              median(rs, CaseResult::sentPerSec),
              lat,
              usage(rs.stream().map(CaseResult::client).toList()),
              usage(rs.stream().map(CaseResult::server).toList()),
              median(rs, CaseResult::otherCores),
              sum(rs, CaseResult::errors),
              error,
              memory(rs)));
    }
    return out;
  }

  /** Each memory figure's median over the rounds that have one; null if none has. */
  private static @Nullable MemoryUse memory(List<CaseResult> rs) {
    List<MemoryUse> ms = rs.stream().map(CaseResult::memory).filter(Objects::nonNull).toList();
    if (ms.isEmpty()) {
      return null;
    }
    return new MemoryUse(
        (long) median(ms, m -> m.connections()),
        (long) median(ms, m -> m.requests()),
        (long) median(ms, m -> m.serverHeapBefore()),
        (long) median(ms, m -> m.serverHeapAfter()),
        (long) median(ms, m -> m.serverRssBefore()),
        (long) median(ms, m -> m.serverRssAfter()),
        (long) median(ms, m -> m.clientHeapBefore()),
        (long) median(ms, m -> m.clientHeapAfter()),
        (long) median(ms, m -> m.clientRssBefore()),
        (long) median(ms, m -> m.clientRssAfter()),
        median(ms, MemoryUse::serverHeapPerConnection),
        median(ms, MemoryUse::serverRssPerConnection),
        median(ms, MemoryUse::clientHeapPerConnection),
        median(ms, MemoryUse::clientRssPerConnection),
        median(ms, MemoryUse::serverHeapRatio),
        median(ms, MemoryUse::clientHeapRatio));
  }

  private static Usage usage(List<Usage> us) {
    return new Usage(
        median(us, Usage::cpuSeconds),
        median(us, Usage::cores),
        median(us, Usage::cpuUsPerOp),
        (long) median(us, u -> u.gcCount()),
        (long) median(us, u -> u.gcMillis()),
        (long) median(us, u -> u.jitMillis()));
  }

  static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
    double[] v = xs.stream().mapToDouble(f).sorted().toArray();
    if (v.length == 0) {
      return 0;
    }
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  private static <T> long sum(List<T> xs, ToLongFunction<T> f) {
    return xs.stream().mapToLong(f).sum();
  }
}
