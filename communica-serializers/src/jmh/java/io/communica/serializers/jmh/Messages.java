package io.communica.serializers.jmh;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The benchmark messages: a small one of primitives, and a larger nested one. */
final class Messages {

  private Messages() {}

  /** About 64 bytes as JSON; flat enough for the fixed-layout serializer (25 bytes there). */
  record Sample(
      @PositiveOrZero long at, @Positive int sensor, double value, @PositiveOrZero short status, boolean ok) {}

  record Line(
      @NotBlank String sku,
      @Positive int quantity,
      @PositiveOrZero long priceCents,
      Optional<String> note) {}

  /** About 4 KiB as JSON (3925 bytes; 2908 as msgpack, 2966 as CBOR). */
  record Batch(
      @NotBlank String source,
      @NotNull Instant at,
      @Size(max = 1000) List<@Valid Line> lines,
      Map<String, String> tags) {}

  static Sample sample() {
    return new Sample(1_732_300_000_123L, 17, 101.25, (short) 3, true);
  }

  static Batch batch() {
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < 56; i++) {
      lines.add(
          new Line(
              "SKU-" + (100_000 + i * 37),
              1 + i % 12,
              99L * (i + 1) * 101,
              i % 4 == 0 ? Optional.of("gift wrap") : Optional.empty()));
    }
    return new Batch(
        "warehouse-7", Instant.parse("2026-11-22T10:15:30.123Z"), lines,
        Map.of("region", "eu-west", "priority", "normal", "channel", "web"));
  }
}
