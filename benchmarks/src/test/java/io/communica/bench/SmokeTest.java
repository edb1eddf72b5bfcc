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
 * The harness end to end for one case, as {@code mvn verify} runs it: a server JVM and a client
 * JVM, fire-and-forget over TCP, then the results file, CSV, tables and charts. No timing is
 * asserted, only that every figure was measured and written.
 */
class SmokeTest {

  @Test
  @Timeout(60)
  void quickRunOfOneCaseWritesEveryResultField(@TempDir Path out) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int code =
        Bench.execute(
            List.of(
                "--quick",
                "--cases", "communica/tcp/64/fnf",
                "--warmup", "500ms",
                "--measure", "1s",
                "--out", out.toString()),
            new PrintStream(log, true, StandardCharsets.UTF_8));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(code).as(printed).isZero();
    assertThat(printed).contains("[1/1", "communica tcp 64 B fire-and-forget", "msg/s received");

    JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(root.at("/machine/cores").asInt()).isPositive();
    assertThat(root.at("/settings/mode").asText()).isEqualTo("quick");
    assertThat(root.at("/rounds")).hasSize(1);
    assertThat(root.at("/summary")).hasSize(1);
    JsonNode r = root.at("/summary/0");
    assertThat(r.get("id").asText()).isEqualTo("communica/tcp/64/fnf");
    assertThat(r.get("errors").asLong()).isZero();
    assertThat(r.get("operations").asLong()).as("messages the server received").isPositive();
    assertThat(r.get("opsPerSec").asDouble()).isPositive();
    assertThat(r.get("sentPerSec").asDouble()).isPositive();
    assertThat(r.get("seconds").asDouble()).isPositive();
    for (String side : List.of("client", "server")) {
      JsonNode u = r.get(side);
      assertThat(u.get("cpuSeconds").asDouble()).as(side + " CPU").isPositive();
      assertThat(u.get("cores").asDouble()).as(side + " cores").isPositive();
      assertThat(u.get("cpuUsPerOp").asDouble()).as(side + " CPU per op").isPositive();
      assertThat(u.has("gcCount")).isTrue();
      assertThat(u.has("gcMillis")).isTrue();
    }

    assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(3);
    assertThat(Files.readString(out.resolve("report.md")))
        .contains("### TCP, 64 B payload", "| fire-and-forget |");
    assertThat(Files.readString(out.resolve("throughput.svg"))).contains("<svg", "communica");
    assertThat(out.resolve("throughput.png")).isNotEmptyFile();
  }
}
