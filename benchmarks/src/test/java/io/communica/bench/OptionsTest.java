package io.communica.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

  private static List<String> ids(String... args) {
    return Options.parse(List.of(args)).cases().stream().map(BenchCase::id).toList();
  }

  @Test
  void defaultsRunEveryWorkloadOfTheThreeStacksOnTcpWithBothPayloads() {
    List<String> ids = ids();
    assertThat(ids).hasSize(3 * 2 * 5);
    // the stacks of one workload run one after the other, so their ratio compares close runs
    assertThat(ids.subList(0, 4))
        .containsExactly(
            "communica/tcp/64/latency", "floor/tcp/64/latency", "rsocket/tcp/64/latency",
            "communica/tcp/64/tp1");
    assertThat(ids).contains("rsocket/tcp/4096/fnf");
  }

  @Test
  void stacksRunOnlyOnTheirTransports() {
    assertThat(ids("--transport", "unix", "--modes", "tp64", "--payloads", "64"))
        .containsExactly("communica/unix/64/tp64", "floor/unix/64/tp64");
  }

  @Test
  void memoryModesCountWithSuffixesRunOnTheirStacksAndIdleOnlyWithTheFirstPayload() {
    assertThat(
            ids(
                "--modes", "idle10k,long100M",
                "--stacks", "communica,floor,rsocket,ringfloor",
                "--transport", "tcp,unix"))
        .containsExactly(
            "communica/tcp/64/idle10k", "floor/tcp/64/idle10k", "rsocket/tcp/64/idle10k",
            "communica/tcp/64/long100M", "floor/tcp/64/long100M", "rsocket/tcp/64/long100M",
            "communica/tcp/4096/long100M", "floor/tcp/4096/long100M", "rsocket/tcp/4096/long100M",
            "communica/unix/64/idle10k", "floor/unix/64/idle10k",
            "communica/unix/64/long100M", "floor/unix/64/long100M",
            "communica/unix/4096/long100M", "floor/unix/4096/long100M");
    assertThat(BenchCase.parse("communica/tcp/64/idle10k").count()).isEqualTo(10_000);
    assertThat(BenchCase.parse("communica/tcp/64/idle50").kind()).isEqualTo(BenchCase.Kind.IDLE);
    BenchCase longRun = BenchCase.parse("communica/tcp/64/long100M");
    assertThat(longRun.count()).isEqualTo(100_000_000);
    assertThat(longRun.kind()).isEqualTo(BenchCase.Kind.LONG);
    assertThat(longRun.inFlight()).isEqualTo(256);
    assertThat(BenchCase.describeMode("idle10k")).isEqualTo("10k idle connections");
    assertThat(BenchCase.describeMode("long10M")).isEqualTo("10M requests, 256 in flight");
    for (String bad : List.of("idle", "idle0", "longk", "long10G", "idle-5")) {
      assertThatThrownBy(() -> ids("--modes", bad)).hasMessageContaining("unknown mode '" + bad + "'");
    }
  }

  @Test
  void casesAreFilteredByGlobs() {
    assertThat(ids("--cases", "*/tcp/64/tp256,communica/*/4096/fnf"))
        .containsExactly(
            "communica/tcp/64/tp256", "floor/tcp/64/tp256", "rsocket/tcp/64/tp256",
            "communica/tcp/4096/fnf");
  }

  @Test
  void quickAndFullSetDurationsAndRoundsWhichOptionsOverride() {
    Options quick = Options.parse(List.of());
    assertThat(quick.warmup()).isEqualTo(Duration.ofSeconds(2));
    assertThat(quick.repeat()).isEqualTo(1);
    Options full = Options.parse(List.of("--full"));
    assertThat(full.measure()).isEqualTo(Duration.ofSeconds(10));
    assertThat(full.repeat()).isEqualTo(2);
    Options custom = Options.parse(List.of("--full", "--warmup", "500ms", "--measure", "1.5s", "--repeat", "3"));
    assertThat(custom.warmup()).isEqualTo(Duration.ofMillis(500));
    assertThat(custom.measure()).isEqualTo(Duration.ofMillis(1500));
    assertThat(custom.repeat()).isEqualTo(3);
  }

  @Test
  void badCommandLinesAreRejectedWithTheReason() {
    assertThatThrownBy(() -> Options.parse(List.of("--fast")))
        .hasMessageContaining("unknown option '--fast'");
    assertThatThrownBy(() -> Options.parse(List.of("--stacks", "grpc")))
        .hasMessageContaining("unknown stack 'grpc'");
    assertThatThrownBy(() -> ids("--modes", "tp0")).hasMessageContaining("unknown mode 'tp0'");
    assertThatThrownBy(() -> ids("--transport", "sctp")).hasMessageContaining("--bind sctp=");
    assertThatThrownBy(() -> ids("--cases", "nothing/*")).hasMessageContaining("no case selected");
    assertThatThrownBy(() -> Options.parse(List.of("--warmup"))).hasMessageContaining("needs a value");
  }

  @Test
  void helpPrintsTheUsageAndABadOptionItsReasonWithoutAStackTrace() throws Exception {
    for (List<String> help : List.of(List.of("--help"), List.of("-h"), List.of("help"), List.of("--quick", "--help"))) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      assertThat(Bench.execute(help, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8)))
          .as(String.join(" ", help))
          .isZero();
      assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("Usage:");
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    assertThat(Bench.execute(List.of("--fast"), new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("unknown option '--fast'")
        .contains("Usage:")
        .doesNotContain("Exception");
  }

  @Test
  void anAmqpBindWithoutAnAddressGetsOneOfItsOwnPerCase() {
    String given = "amqp://guest:guest@127.0.0.1:5672";
    String a = Runner.perCase(given);
    String b = Runner.perCase(given);
    assertThat(a).startsWith(given + "?address=bench-").isNotEqualTo(b);
    io.communica.core.Connector.load(a); // loads: the address is there
    assertThat(Runner.perCase("amqp://h/%2F?address=mine&prefetch=10"))
        .startsWith("amqp://h/%2F?address=mine-")
        .contains("&prefetch=10");
    assertThat(Runner.perCase("tcp://127.0.0.1:0")).isEqualTo("tcp://127.0.0.1:0");
  }
}
