package io.communica.core.transport;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A parsed connector string: {@code scheme://[user[:password]@]host[:port][/path][?key=value&...]}
 * or {@code scheme:///absolute/path?...}. Strict: only ASCII, every character of the form checked,
 * every option known to the transport (see {@link #requireOnly}). Values are percent-decoded as
 * UTF-8; {@link #encode(String)} does the reverse for dumping.
 *
 * @since 0.1
 */
public final class ConnectorUri {

  private final String source;
  private final String scheme;
  private final @Nullable String userInfo;
  private final @Nullable String host;
  private final int port;
  private final String path;
  private final Map<String, String> params;

  private ConnectorUri(
      String source,
      String scheme,
      @Nullable String userInfo,
      @Nullable String host,
      int port,
      String path,
      Map<String, String> params) {
    this.source = source;
    this.scheme = scheme;
    this.userInfo = userInfo;
    this.host = host;
    this.port = port;
    this.path = path;
    this.params = params;
  }

  /**
   * Parses a connector string.
   *
   * @throws IllegalArgumentException naming the problem and the string
   */
  public static ConnectorUri parse(String s) {
    requireNonNull(s, "s");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw bad(
            s,
            "character "
                + (c < 0x80 ? "0x" + Integer.toHexString(c) : "'" + c + "'")
                + " at index "
                + i
                + " is not printable ASCII (percent-encode it)");
      }
    }
    int colon = s.indexOf("://");
    if (colon <= 0) {
      throw bad(s, "expected scheme://...");
    }
    String scheme = s.substring(0, colon);
    if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
      throw bad(s, "scheme '" + scheme + "' is not lowercase letters, digits, '+', '-' or '.'");
    }
    String rest = s.substring(colon + 3);
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.indexOf('#') >= 0) {
      throw bad(s, "fragments ('#') are not allowed");
    }
    int slash = rest.indexOf('/');
    String authority = slash >= 0 ? rest.substring(0, slash) : rest;
    String path = slash >= 0 ? decode(s, rest.substring(slash)) : "";
    String userInfo = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
    }
    String host = null;
    int port = -1;
    if (!authority.isEmpty()) {
      String portPart = null;
      if (authority.startsWith("[")) {
        int close = authority.indexOf(']');
        if (close < 0) {
          throw bad(s, "unclosed '[' in IPv6 address");
        }
        host = authority.substring(1, close);
        String after = authority.substring(close + 1);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            throw bad(s, "unexpected '" + after + "' after IPv6 address");
          }
          portPart = after.substring(1);
        }
      } else {
        int pc = authority.lastIndexOf(':');
        if (pc >= 0) {
          host = authority.substring(0, pc);
          portPart = authority.substring(pc + 1);
        } else {
          host = authority;
        }
        if (host.indexOf(':') >= 0) {
          throw bad(s, "IPv6 addresses must be written in brackets, e.g. [::1]");
        }
      }
      if (host.isEmpty()) {
        throw bad(s, "empty host");
      }
      if (portPart != null) {
        try {
          port = Integer.parseInt(portPart);
        } catch (NumberFormatException e) {
          throw bad(s, "port '" + portPart + "' is not a number");
        }
        if (port < 0 || port > 65535) {
          throw bad(s, "port " + port + " is out of range 0-65535");
        }
      }
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = eq >= 0 ? pair.substring(0, eq) : pair;
        String value = eq >= 0 ? pair.substring(eq + 1) : "";
        if (key.isEmpty()) {
          throw bad(s, "empty option name in '" + query + "'");
        }
        key = decode(s, key);
        if (params.put(key, decode(s, value)) != null) {
          throw bad(s, "option '" + key + "' given twice");
        }
      }
    }
    return new ConnectorUri(
        s,
        scheme,
        userInfo == null ? null : userInfo,
        host,
        port,
        path,
        Collections.unmodifiableMap(params));
  }

  /** The scheme, e.g. {@code tcp}. */
  public String scheme() {
    return scheme;
  }

  /** The still-encoded user info before '@', if any. */
  public @Nullable String userInfo() {
    return userInfo;
  }

  /** The host (without IPv6 brackets), or null when the string has no authority. */
  public @Nullable String host() {
    return host;
  }

  /** The port, or -1 when none is given. */
  public int port() {
    return port;
  }

  /** The decoded path, empty when none. */
  public String path() {
    return path;
  }

  /** Decoded options in the order given. */
  public Map<String, String> params() {
    return params;
  }

  /** An option's value, or null when absent. */
  public @Nullable String param(String key) {
    return params.get(key);
  }

  /** A boolean option: absent gives {@code dflt}; {@code true}/{@code false} otherwise. */
  public boolean booleanParam(String key, boolean dflt) {
    String v = params.get(key);
    if (v == null) {
      return dflt;
    }
    return switch (v) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw invalid("option '" + key + "' must be true or false, not '" + v + "'");
    };
  }

  /**
   * Rejects options not in {@code known}.
   *
   * @throws IllegalArgumentException naming the unknown option and the known ones
   */
  public ConnectorUri requireOnly(Set<String> known) {
    for (String key : params.keySet()) {
      if (!known.contains(key)) {
        throw invalid(
            "unknown option '"
                + key
                + "' for scheme "
                + scheme
                + "; known options: "
                + known.stream().sorted().toList());
      }
    }
    return this;
  }

  /** An error about this string, naming it. */
  public IllegalArgumentException invalid(String problem) {
    return bad(source, problem);
  }

  /** Percent-encodes a value for a connector string: unreserved ASCII and '/' stay as they are. */
  public static String encode(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == '/') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return out.toString();
  }

  private static String decode(String source, String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw bad(source, "truncated percent escape");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw bad(source, "bad percent escape '" + s.substring(i, i + 3) + "'");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Options whose values are secrets: names ending in password, passwd, secret or token. */
  private static final java.util.regex.Pattern SECRET_OPTION =
      java.util.regex.Pattern.compile(
          "([?&](?i:[a-z0-9_.-]*(?:password|passwd|secret|token))=)[^&#]*");

  /**
   * A connector string fit for messages and logs: the password of the user info becomes {@code
   * ***} ({@code amqp://guest:***@host}), and so does the value of every option whose name ends in
   * {@code password}, {@code passwd}, {@code secret} or {@code token}. (An option naming where a
   * secret is, such as {@code passwordEnv}, is kept.)
   */
  public static String redact(String s) {
    String out = s;
    int colon = s.indexOf("://");
    if (colon > 0) {
      int start = colon + 3;
      int end = start;
      while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
        end++;
      }
      int at = end > start ? s.lastIndexOf('@', end - 1) : -1;
      int pc = s.indexOf(':', start);
      if (at >= start && pc >= 0 && pc < at) {
        out = s.substring(0, pc + 1) + "***" + s.substring(at);
      }
    }
    return SECRET_OPTION.matcher(out).replaceAll("$1***");
  }

  private static IllegalArgumentException bad(String raw, String problem) {
    String s = redact(raw);
    String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return new IllegalArgumentException("invalid connector string '" + shown + "': " + problem);
  }

  /** The string, with its secrets redacted (see {@link #redact}). */
  @Override
  public String toString() {
    return redact(source);
  }
}
