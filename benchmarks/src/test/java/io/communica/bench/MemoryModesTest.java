package io.communica.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory modes end to end at tiny sizes, with child JVMs as in a real run: 50 idle
 * connections and a long run of 10,000 requests, for communica and the floor. Checks that every
 * reading was taken and is plausible, not what it is.
 */
class MemoryModesTest {

  private static final long MIB = 1024 * 1024;

  @Test
  @Timeout(180)
  void idleAndLongModesReportHeapAndResidentSetReadings(@TempDir Path out) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int code =
        Bench.execute(
            List.of(
                "--modes", "idle50,long10k",
                "--payloads", "64",
                "--stacks", "communica,floor",
                "--warmup", "500ms",
                "--out", out.toString()),
            new PrintStream(log, true, StandardCharsets.UTF_8));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(code).as(printed).isZero();
    assertThat(printed)
        .contains("communica tcp 64 B 50 idle connections", "per idle connection")
        .contains("floor tcp 64 B 10k requests, 256 in flight", "heap after GC end / start");

    JsonNode summary = new ObjectMapper().readTree(out.resolve("results.json").toFile()).at("/summary");
    assertThat(summary).hasSize(4);
    for (JsonNode r : summary) {
      String id = r.get("id").asText();
      assertThat(r.get("errors").asLong()).as(id + ": " + r.get("error")).isZero();
      JsonNode m = r.get("memory");
      assertThat(m.isObject()).as(id).isTrue();
      for (String side : List.of("server", "client")) {
        for (String when : List.of("Before", "After")) {
          // a 1 GiB heap of which a few MiB are live; the heap is within the resident set
          assertThat(m.get(side + "HeapBefore".replace("Before", when)).asLong())
              .as(id + " " + side + " heap " + when)
              .isBetween(MIB / 2, 512 * MIB);
        }
      }
      if (id.endsWith("idle50")) {
        assertThat(m.get("connections").asLong()).isEqualTo(50);
        assertThat(r.get("operations").asLong()).isEqualTo(50);
        assertThat(m.get("serverRssBefore").asLong())
            .as(id + ": the server's heap is pre-touched, so resident")
            .isGreaterThan(1000 * MIB);
        assertThat(m.get("serverRssAfter").asLong()).isGreaterThan(1000 * MIB);
        assertThat(m.get("serverHeapPerConnection").asDouble())
            .as(id + ": bytes per idle connection")
            .isBetween(-64.0 * 1024, 1.0 * MIB);
      } else {
        assertThat(m.get("requests").asLong()).as(id).isGreaterThanOrEqualTo(10_000);
        assertThat(r.get("operations").asLong()).isGreaterThanOrEqualTo(10_000);
        assertThat(r.get("opsPerSec").asDouble()).isPositive();
        assertThat(m.get("serverHeapRatio").asDouble()).as(id).isBetween(0.1, 10.0);
        assertThat(m.get("clientHeapRatio").asDouble()).as(id).isBetween(0.1, 10.0);
      }
    }
    // communica's 50 connections, each a client as users make it, hold more than nothing
    assertThat(summary.get(0).at("/memory/serverHeapPerConnection").asDouble()).isPositive();

    assertThat(Files.readString(out.resolve("report.md")))
        .contains(
            "### Memory: TCP, 50 idle connections",
            "| server heap |",
            "### Memory: TCP, 10k requests, 256 in flight, 64 B",
            "| server end / start |",
            "### Memory targets",
            "not judged: run too small");
    assertThat(Files.readString(out.resolve("logs").resolve("communica-tcp-64-idle50-r1-server.log")))
        .as("the server's histogram of what the idle connections hold")
        .contains("HISTOGRAM live heap grew", "over 50 connections gained");
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertThat(csv.get(0)).endsWith("server_heap_ratio,client_heap_ratio");
    assertThat(csv).hasSize(1 + 4 + 4);
  }
}
