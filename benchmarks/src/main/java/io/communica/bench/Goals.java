package io.communica.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The open speed goals (the performance issue's table and the shared-memory and UDP issue's), each
 * a ratio of one case's figure to another's in the same run, judged against its limit. A goal whose
 * two cases the run did not have is left out.
 */
final class Goals {

  private Goals() {}

  /** What a goal compares: a rate (higher is better) or a latency percentile (lower is better). */
  enum Figure {
    RATE(CaseResult::opsPerSec, true),
    P50(c -> c.latencyUs() == null ? 0 : c.latencyUs().p50(), false),
    P99(c -> c.latencyUs() == null ? 0 : c.latencyUs().p99(), false);

    final ToDoubleFunction<CaseResult> value;
    final boolean higherIsBetter;

    Figure(ToDoubleFunction<CaseResult> value, boolean higherIsBetter) {
      this.value = value;
      this.higherIsBetter = higherIsBetter;
    }

    String format(double v) {
      return this == RATE ? Report.rate(v) + "/s" : String.format(Locale.ROOT, "%.1f µs", v);
    }
  }

  /**
   * One goal: {@code subject}'s figure over {@code baseline}'s (case ids), at least {@code limit}
   * for a rate, at most for a latency.
   */
  record Goal(String issue, String name, Figure figure, String subject, String baseline, double limit) {

    @Nullable Verdict judge(RunResults r) {
      CaseResult a = r.find(subject);
      CaseResult b = r.find(baseline);
      if (a == null || b == null || Report.failed(a) || Report.failed(b)) {
        return null;
      }
      double va = figure.value.applyAsDouble(a);
      double vb = figure.value.applyAsDouble(b);
      if (vb == 0) {
        return null;
      }
      double ratio = va / vb;
      boolean met = figure.higherIsBetter ? ratio >= limit : ratio <= limit;
      String measured =
          String.format(
              Locale.ROOT,
              "%.2f× (%s vs %s; others %s / %s cores)",
              ratio,
              figure.format(va),
              figure.format(vb),
              cores(a.otherCores()),
              cores(b.otherCores()));
      return new Verdict(this, measured, met);
    }
  }

  /** A goal as this run measured it. */
  record Verdict(Goal goal, String measured, boolean met) {}

  private static final String C = "communica";

  /** Every goal, in the order of the issues' tables. */
  static final List<Goal> ALL =
      List.of(
          new Goal("16", "AMQP request/response, 256 in flight, default settings: ≥ 1.0× the raw"
              + " amqp-client", Figure.RATE, id(C, "amqp", 64, "tp256"),
              id("amqp-raw", "amqp", 64, "tp256"), 1.0),
          new Goal("16", "AMQP fire-and-forget (confirms, manual acks): ≥ 1.0× raw",
              Figure.RATE, id(C, "amqp", 64, "fnf"), id("amqp-raw", "amqp", 64, "fnf"), 1.0),
          new Goal("16", "AMQP latency p50, default settings: ≤ 1.0× raw", Figure.P50,
              id(C, "amqp", 64, "latency"), id("amqp-raw", "amqp", 64, "latency"), 1.0),
          new Goal("16", "AMQP `replies=direct`, 256 in flight: ≥ 1.0× raw direct reply-to",
              Figure.RATE, id(C, "amqp-direct", 64, "tp256"),
              id("amqp-raw", "amqp-direct", 64, "tp256"), 1.0),
          new Goal("16", "AMQP `replies=direct` latency p50: ≤ 1.0× raw", Figure.P50,
              id(C, "amqp-direct", 64, "latency"), id("amqp-raw", "amqp-direct", 64, "latency"),
              1.0),
          new Goal("16", "TCP 4 KiB, 256 in flight, `Payload`: ≥ 2× RSocket", Figure.RATE,
              id("communica-payload", "tcp", 4096, "tp256"), id("rsocket", "tcp", 4096, "tp256"),
              2.0),
          new Goal("16", "TCP 4 KiB, 256 in flight, `Payload`: ≥ 80% of the floor", Figure.RATE,
              id("communica-payload", "tcp", 4096, "tp256"), id("floor", "tcp", 4096, "tp256"),
              0.8),
          new Goal("16", "TCP 4 KiB, 256 in flight, `byte[]`: ≥ 2× RSocket", Figure.RATE,
              id(C, "tcp", 4096, "tp256"), id("rsocket", "tcp", 4096, "tp256"), 2.0),
          new Goal("16", "TCP 4 KiB, 256 in flight, `byte[]`: ≥ 80% of the floor", Figure.RATE,
              id(C, "tcp", 4096, "tp256"), id("floor", "tcp", 4096, "tp256"), 0.8),
          new Goal("16", "TCP 64 B fire-and-forget: ≥ 10× RSocket", Figure.RATE,
              id(C, "tcp", 64, "fnf"), id("rsocket", "tcp", 64, "fnf"), 10),
          new Goal("16", "TCP 64 B fire-and-forget: ≥ 50% of the floor", Figure.RATE,
              id(C, "tcp", 64, "fnf"), id("floor", "tcp", 64, "fnf"), 0.5),
          new Goal("16", "Unix socket vs TCP, 64 B, 256 in flight: ≥ 1.3×", Figure.RATE,
              id(C, "unix", 64, "tp256"), id(C, "tcp", 64, "tp256"), 1.3),
          new Goal("16", "Unix socket vs TCP, latency p50: ≤ 0.8×", Figure.P50,
              id(C, "unix", 64, "latency"), id(C, "tcp", 64, "latency"), 0.8),
          new Goal("16", "TCP 64 B latency p50: ≤ 1.1× the floor", Figure.P50,
              id(C, "tcp", 64, "latency"), id("floor", "tcp", 64, "latency"), 1.1),
          new Goal("16", "TCP 64 B latency p99: ≤ 1.3× the floor", Figure.P99,
              id(C, "tcp", 64, "latency"), id("floor", "tcp", 64, "latency"), 1.3),
          new Goal("16", "TCP 64 B, 256 in flight: ≥ 75% of the floor", Figure.RATE,
              id(C, "tcp", 64, "tp256"), id("floor", "tcp", 64, "tp256"), 0.75),
          new Goal("16", "TCP 64 B, 256 in flight through `flatMap`: ≥ 3× RSocket the same way",
              Figure.RATE, id(C, "tcp", 64, "flat256"), id("rsocket", "tcp", 64, "flat256"), 3),
          new Goal("17", "Shared memory fire-and-forget: ≥ 2× the Unix-socket connector",
              Figure.RATE, id(C, "shm", 64, "fnf"), id(C, "unix", 64, "fnf"), 2),
          new Goal("17", "Shared memory fire-and-forget: ≥ 50% of the ring floor", Figure.RATE,
              id(C, "shm", 64, "fnf"), id("ringfloor", "shm", 64, "fnf"), 0.5),
          new Goal("17", "Shared memory, `idle=spin`, latency p50: ≤ 2× the ring floor's",
              Figure.P50, id(C, "shm-spin", 64, "latency"),
              id("ringfloor", "shm-spin", 64, "latency"), 2),
          new Goal("17", "Shared memory, 256 in flight: ≥ 3× the Unix-socket connector",
              Figure.RATE, id(C, "shm", 64, "tp256"), id(C, "unix", 64, "tp256"), 3),
          new Goal("17", "UDP latency p50: ≤ 0.9× the TCP connector's", Figure.P50,
              id(C, "udp", 64, "latency"), id(C, "tcp", 64, "latency"), 0.9));

  /** The goals this run has both cases of, judged. */
  static List<Verdict> judge(RunResults r) {
    List<Verdict> out = new ArrayList<>();
    for (Goal g : ALL) {
      Verdict v = g.judge(r);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /** The goals table of the generated section; nothing when the run judged no goal. */
  static void table(StringBuilder sb, RunResults r) {
    List<Verdict> verdicts = judge(r);
    if (verdicts.isEmpty()) {
      return;
    }
    boolean judged = r.settings().measureSeconds() >= Report.JUDGED_MEASURE_SECONDS;
    sb.append("### Goals\n\n")
        .append("Each goal is a ratio of two cases of this run (\"others\": the cores other")
        .append(" processes used in each case's measured window).\n\n")
        .append("| issue | goal | measured | met |\n|---|---|---|---|\n");
    for (Verdict v : verdicts) {
      sb.append("| ").append(v.goal().issue()).append(" | ").append(v.goal().name())
          .append(" | ").append(v.measured()).append(" | ")
          .append(judged ? (v.met() ? "yes" : "**no**") : "not judged: run too short")
          .append(" |\n");
    }
    sb.append('\n');
    if (!judged) {
      sb.append(
          String.format(
              Locale.ROOT,
              "Goals are judged on runs of at least %d s measured per case (`--full`); this run"
                  + " measured %s per case.%n%n",
              Report.JUDGED_MEASURE_SECONDS,
              Runner.human(r.settings().measureSeconds())));
    }
  }

  private static String id(String stack, String transport, int payload, String mode) {
    return new BenchCase(stack, transport, payload, mode).id();
  }

  private static String cores(double c) {
    return c < 0 ? "?" : String.format(Locale.ROOT, "%.2f", c);
  }
}
