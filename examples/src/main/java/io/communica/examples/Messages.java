package io.communica.examples;

/** The data the examples exchange: plain records, encoded as JSON. */
public final class Messages {

  private Messages() {}

  /** Ask to add two numbers. */
  public record AddRequest(int a, int b) {}

  /** The sum. */
  public record AddReply(int sum) {}

  /** A log line sent fire-and-forget. */
  public record LogLine(String level, String text) {}
}
