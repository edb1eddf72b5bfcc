package io.communica.serializers;

import static java.util.Objects.requireNonNull;

import io.communica.core.RequestException;
import io.communica.core.SerializationException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One reason why data did not fit its type: the property path and what is wrong there, e.g.
 * {@code items[2].price} and {@code must be greater than 0}. Read them back from any error of a
 * validating serializer, on either side of a connection:
 *
 * <pre>{@code
 * client.request(ADD, new AddRequest(-1, 2))
 *     .onErrorResume(RequestException.class, e -> {
 *       for (Violation v : Violation.listIn(e)) {
 *         form.markInvalid(v.path(), v.message());
 *       }
 *       return Mono.empty();
 *     });
 * }</pre>
 *
 * <h2>The message format</h2>
 *
 * {@link SerializationException} is final and only its message crosses the wire, so the list is
 * carried in the message, in this stable format:
 *
 * <pre>
 * invalid com.example.Order (2 violations):
 *   customer.name: must not be blank
 *   items[2].price: must be greater than 0
 * </pre>
 *
 * <ul>
 *   <li>a first line that describes the failure and ends with {@code (N violation[s]):};
 *   <li>then one line per violation: two spaces, the path, a colon and a space, the message.
 *       Violations are sorted by path and message;
 *   <li>at most {@value #MAX_LISTED} violations are listed; a last line {@code (and N more)}
 *       says how many were left out;
 *   <li>the path uses {@code .name} for properties and {@code [i]} for list indexes and map
 *       keys; a violation of the whole value (a class-level constraint, or a value of the wrong
 *       shape) has the path {@code (root)}, read back as the empty string;
 *   <li>a backslash, a line break or a carriage return in a path or message is written as
 *       {@code \\}, {@code \n} or {@code \r}, and a colon in a path as {@code \:}.
 * </ul>
 *
 * Core may put text before the first line (for example "cannot decode the request for route
 * 'add' as ...: "); {@link #parse(String)} ignores everything but the violation lines.
 *
 * @param path where in the value, e.g. {@code items[2].price}; empty for the value itself
 * @param message what is wrong, e.g. {@code must be greater than 0}
 * @since 0.1
 */
public record Violation(String path, String message) {

  /** Most violations listed in one message. */
  public static final int MAX_LISTED = 100;

  static final String ROOT = "(root)";

  /** A violation; both parts are required. */
  public Violation {
    requireNonNull(path, "path");
    requireNonNull(message, "message");
  }

  /**
   * The violations listed in the message of {@code error} or of its first cause that lists any:
   * a {@link SerializationException} raised locally, or a {@link RequestException} of code {@link
   * RequestException#INVALID_DATA} received from a peer. Empty when there are none.
   */
  public static List<Violation> listIn(Throwable error) {
    requireNonNull(error, "error");
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null) {
        List<Violation> found = parse(message);
        if (!found.isEmpty()) {
          return found;
        }
      }
    }
    return List.of();
  }

  /** The violations listed in a message in the format above; empty when there are none. */
  public static List<Violation> parse(String message) {
    requireNonNull(message, "message");
    List<Violation> found = new ArrayList<>();
    int start = 0;
    while (start <= message.length()) {
      int end = message.indexOf('\n', start);
      if (end < 0) {
        end = message.length();
      }
      Violation v = parseLine(message, start, end);
      if (v != null) {
        found.add(v);
      }
      start = end + 1;
    }
    return found;
  }

  private static @Nullable Violation parseLine(String s, int start, int end) {
    if (end - start < 4 || s.charAt(start) != ' ' || s.charAt(start + 1) != ' '
        || s.charAt(start + 2) == ' ') {
      return null;
    }
    for (int i = start + 2; i < end - 1; i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == ':' && s.charAt(i + 1) == ' ') {
        String path = unescape(s, start + 2, i);
        return new Violation(path.equals(ROOT) ? "" : path, unescape(s, i + 2, end));
      }
    }
    return null;
  }

  /** This violation as one line of the message format, without the indent. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(path.length() + message.length() + 2);
    if (path.isEmpty()) {
      sb.append(ROOT);
    } else {
      escape(sb, path, true);
    }
    sb.append(": ");
    escape(sb, message, false);
    return sb.toString();
  }

  private static void escape(StringBuilder sb, String s, boolean isPath) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case ':' -> sb.append(isPath ? "\\:" : ":");
        default -> sb.append(c);
      }
    }
  }

  private static String unescape(String s, int from, int to) {
    if (s.indexOf('\\', from) < 0 || s.indexOf('\\', from) >= to) {
      return s.substring(from, to);
    }
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < to) {
        char n = s.charAt(++i);
        sb.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
