package io.communica.amqp;

import java.time.Duration;

/** Durations in connector strings: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}. */
final class Durations {

  private Durations() {}

  static Duration parse(String option, String value) {
    int i = 0;
    while (i < value.length() && Character.isDigit(value.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 12) {
      throw new IllegalArgumentException(
          option + " '" + value + "' is not a duration like 500ms, 10s, 5m, 2h or 1d");
    }
    long n = Long.parseLong(value.substring(0, i));
    return switch (value.substring(i)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default ->
          throw new IllegalArgumentException(
              option + " '" + value + "' is not a duration like 500ms, 10s, 5m, 2h or 1d");
    };
  }

  /** The shortest exact form. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000L == 0 && ms != 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0 && ms != 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0 && ms != 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
