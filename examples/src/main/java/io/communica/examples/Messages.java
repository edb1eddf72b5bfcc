package io.communica.examples;

/** The data the examples exchange: plain records, encoded as JSON. */
public final class Messages {

  private Messages() {}

  /** Ask to add two numbers. */
  public record AddRequest(int a, int b) {}

  /** The sum. */
  public record AddReply(int sum) {}

  /** A job to run, whose progress is streamed back. */
  public record Job(String name, int steps) {}

  /** One progress report of a job. */
  public record Progress(String job, int percent, String note) {}

  /** A line of a chat-style channel. */
  public record ChatLine(String from, String text) {}

  /** A log line sent fire-and-forget. */
  public record LogLine(String level, String text) {}

  /** A sensor's reading, emitted as an event through the hub. */
  public record Reading(String sensor, double celsius) {}
}
