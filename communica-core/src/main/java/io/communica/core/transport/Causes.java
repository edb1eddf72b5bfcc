package io.communica.core.transport;

/**
 * Error messages that name the root problem: the messages of an exception and its causes, for
 * transports and the session alike.
 *
 * @since 0.2
 */
public final class Causes {

  private Causes() {}

  /** The distinct messages of {@code e} and its causes, joined by ": " (at most ~1000 chars). */
  public static String messages(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 1000; t = t.getCause()) {
      String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
      if (sb.indexOf(m) < 0) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(m);
      }
    }
    return sb.toString();
  }
}
