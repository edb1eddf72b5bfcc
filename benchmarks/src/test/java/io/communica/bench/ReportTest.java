package io.communica.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.bench.CaseResult.Latency;
import io.communica.bench.CaseResult.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static final Usage USE = new Usage(1, 0.5, 2, 1, 3, 20);

  private static CaseResult rate(String stack, String mode, double perSec) {
    BenchCase c = new BenchCase(stack, "tcp", 64, mode);
    return new CaseResult(
        c.id(), stack, "tcp", 64, mode, c.inFlight(), 1, 10, (long) (perSec * 10), perSec, 0, null,
        USE, USE, 0.1, 0, null, null);
  }

  private static CaseResult latency(String stack, double p50, double p99) {
    return new CaseResult(
        stack + "/tcp/64/latency", stack, "tcp", 64, "latency", 1, 1, 10, 1000, 100, 0,
        new Latency(p50, p50, p99, p99, p99, p50, 1000), USE, USE, 0.1, 0, null, null);
  }

  private static RunResults results(List<CaseResult> rounds) {
    return RunResults.of(
        new Machine("Test CPU", 2, 4096, "Linux", "Java 17"),
        new RunResults.Settings("full", 5, 10, 1, List.of("-Xmx1g"), "t0", "t1", 0.5, 0.7),
        rounds);
  }

  @Test
  void tablesShowFiguresAndRatiosAndTheGoalsWhetherMetOrNot() {
    RunResults r =
        results(
            List.of(
                rate("communica", "tp256", 1_000_000),
                rate("floor", "tp256", 4_000_000),
                rate("rsocket", "tp256", 250_000),
                rate("communica", "fnf", 3_000_000),
                rate("floor", "fnf", 10_000_000),
                rate("rsocket", "fnf", 500_000),
                latency("communica", 60, 130),
                latency("floor", 40, 90),
                latency("rsocket", 70, 120)));
    String md = Report.generated(r, "charts");
    assertThat(md)
        .contains("Machine: Test CPU, 2 cores")
        .contains("![Throughput](charts/throughput.svg)")
        .contains("| workload | communica | floor | rsocket | communica / floor | communica / rsocket |")
        .contains("| 256 in flight | 1.00 M | 4.00 M | 250.0 k | 0.25× | 4.00× |")
        .contains("| p50 | 60.0 | 40.0 | 70.0 | 1.50× | 0.86× |")
        .contains("| 16 | TCP 64 B, 256 in flight: ≥ 75% of the floor | 0.25× (1.00 M/s vs 4.00 M/s; others 0.10 / 0.10 cores) | **no** |")
        .contains("| 16 | TCP 64 B fire-and-forget: ≥ 10× RSocket | 6.00× (3.00 M/s vs 500.0 k/s; others 0.10 / 0.10 cores) | **no** |")
        .contains("| 16 | TCP 64 B latency p50: ≤ 1.1× the floor | 1.50× (60.0 µs vs 40.0 µs; others 0.10 / 0.10 cores) | **no** |")
        .doesNotContain("AMQP") // goals whose cases the run did not have are left out
        .doesNotContain("| yes |");
    RunResults fast =
        results(
            List.of(
                rate("communica", "fnf", 6_000_000),
                rate("rsocket", "fnf", 500_000),
                latency("communica", 44, 100),
                latency("floor", 40, 90)));
    assertThat(Report.generated(fast, "charts"))
        .contains("| 16 | TCP 64 B fire-and-forget: ≥ 10× RSocket | 12.00× (6.00 M/s vs 500.0 k/s; others 0.10 / 0.10 cores) | yes |")
        .contains("| 16 | TCP 64 B latency p50: ≤ 1.1× the floor | 1.10× (44.0 µs vs 40.0 µs; others 0.10 / 0.10 cores) | yes |")
        .contains("| 16 | TCP 64 B latency p99: ≤ 1.3× the floor | 1.11× (100.0 µs vs 90.0 µs; others 0.10 / 0.10 cores) | yes |");
  }

  private static CaseResult memory(String stack, String mode, CaseResult.MemoryUse m) {
    return rate(stack, mode, 1000).withMemory(m);
  }

  @Test
  void memoryModesHaveTablesAndTargetsJudgedOnlyAtTheGoalsSize() {
    long mib = 1024 * 1024;
    RunResults r =
        results(
            List.of(
                memory("communica", "idle10k",
                    CaseResult.MemoryUse.of(10_000, 0, 10 * mib, 10 * mib + 30_000_000, 1000 * mib,
                        1000 * mib + 20_000_000, 8 * mib, 8 * mib + 50_000_000, 900 * mib, 950 * mib)),
                memory("floor", "idle10k",
                    CaseResult.MemoryUse.of(10_000, 0, 4 * mib, 4 * mib + 7_000_000, 1000 * mib,
                        1000 * mib + 7_000_000, 3 * mib, 3 * mib + 5_000_000, 900 * mib, 910 * mib)),
                memory("communica", "long10M",
                    CaseResult.MemoryUse.of(1, 10_000_000, 100 * mib, 103 * mib, 0, 0, 100 * mib,
                        99 * mib, 0, 0)),
                memory("floor", "long10M",
                    CaseResult.MemoryUse.of(1, 10_000_000, 100 * mib, 106 * mib, 0, 0, 100 * mib,
                        70 * mib, 0, 0)),
                memory("communica", "long1M",
                    CaseResult.MemoryUse.of(1, 1_000_000, 100 * mib, 120 * mib, 0, 0, 100 * mib,
                        100 * mib, 0, 0))));
    String md = Report.generated(r, "charts");
    assertThat(md)
        .contains("### Memory: TCP, 10k idle connections")
        .contains("| server heap | 3,000 B | 700 B | 4.29× |")
        .contains("| server end / start | 1.030 |")
        .contains("| TCP, 10k idle connections: ≤ 2 KiB of server heap per idle connection | 3,000 B (floor 700 B) | **no** |")
        .contains("server 1.030×, client 0.990× (10.00 M requests) | yes |")
        .contains("| server end / start | 1.030 | 1.060 | 0.97× |")
        .contains("server 1.200×, client 1.000× (1.00 M requests) | not judged: run too small |")
        // a mode only communica ran has only communica's column, no column of dashes
        .contains("| figure | communica |\n|---|---:|\n| server heap, start | 100.0 MiB |\n")
        .doesNotContain("### TCP, 64 B payload") // memory cases have their own tables only
        .doesNotContain("throughput.svg");
  }

  @Test
  void summaryIsTheMedianOfTheRounds() {
    RunResults r =
        results(
            List.of(
                rate("communica", "tp64", 100).withRound(1),
                rate("communica", "tp64", 300).withRound(2),
                rate("communica", "tp64", 200).withRound(3)));
    assertThat(r.summary()).hasSize(1);
    assertThat(r.summary().get(0).opsPerSec()).isEqualTo(200);
    assertThat(r.summary().get(0).round()).isZero();
  }

  @Test
  void updatingTheDocumentReplacesOnlyTheGeneratedSection() {
    String first = Report.updateDoc("# Benchmarks\n\nHow to run.\n", "old tables\n");
    assertThat(first).startsWith("# Benchmarks\n\nHow to run.\n").contains("old tables");
    String edited = first + "\n## Profile\n\nHand-written.\n";
    String second = Report.updateDoc(edited, "new tables\n");
    assertThat(second)
        .startsWith("# Benchmarks\n\nHow to run.\n")
        .contains("new tables", "## Profile\n\nHand-written.")
        .doesNotContain("old tables");
  }

  @Test
  void aShortRunShowsTheFiguresButJudgesNoTarget() {
    RunResults quick =
        RunResults.of(
            new Machine("Test CPU", 2, 4096, "Linux", "Java 17"),
            new RunResults.Settings("quick", 2, 2, 1, List.of("-Xmx1g"), "t0", "t1", 0.5, 0.7),
            List.of(rate("communica", "flat256", 1_000_000), rate("rsocket", "flat256", 250_000)));
    String md = Report.generated(quick, "charts");
    assertThat(md)
        .contains("| 16 | TCP 64 B, 256 in flight through `flatMap`: ≥ 3× RSocket the same way |")
        .contains("| not judged: run too short |")
        .doesNotContain("| yes |")
        .contains("judged on runs of at least");
  }

  @Test
  void theReportLinksOnlyTheChartsTheRunDrew() {
    RunResults onlyFnf = results(List.of(rate("communica", "fnf", 3_000_000)));
    assertThat(Report.generated(onlyFnf, "charts"))
        .contains("![Throughput](charts/throughput.svg)")
        .doesNotContain("latency.svg");
    RunResults onlyLatency = results(List.of(latency("communica", 60, 130)));
    assertThat(Report.generated(onlyLatency, "charts"))
        .contains("![Latency](charts/latency.svg)")
        .doesNotContain("throughput.svg");
  }

  @Test
  void aWindowInWhichTheJitStillCompiledIsSaidSo() {
    // 10 s measured: more than 50 ms of compiling a second, 500 ms in all, is unsettled
    Usage settled = new Usage(1, 0.5, 2, 1, 3, 500);
    Usage compiling = new Usage(1, 0.5, 2, 1, 3, 2400);
    CaseResult quiet =
        new CaseResult(
            "communica/tcp/64/tp256", "communica", "tcp", 64, "tp256", 256, 1, 10, 1000, 100, 0,
            null, settled, settled, 0.1, 0, null, null);
    CaseResult busy =
        new CaseResult(
            "communica/tcp/64/tp256", "communica", "tcp", 64, "tp256", 256, 1, 10, 1000, 100, 0,
            null, settled, compiling, 0.1, 0, null, null);
    assertThat(Runner.summary(quiet)).doesNotContain("JIT");
    assertThat(Runner.summary(busy))
        .endsWith("; JIT still compiling in the window: server 2400 ms");
    assertThat(RunResults.of(
                new Machine("Test CPU", 2, 4096, "Linux", "Java 17"),
                new RunResults.Settings("full", 5, 10, 1, List.of(), "t0", "t1", 0.5, 0.7),
                List.of(busy))
            .summary().get(0).server().jitMillis())
        .isEqualTo(2400);
  }
}
