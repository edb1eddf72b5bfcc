package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.transport.ConnectorUri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a shared secret is kept, for token authentication: an environment variable or a file,
 * never the secret itself. A connector that carries one ({@code tokenEnv=NAME} or {@code
 * tokenFile=/path} in its string, see {@link Connector#token()}) makes a server refuse every client
 * that does not present the same secret in its handshake, and makes a client present it:
 *
 * <pre>
 * tcp://127.0.0.1:8000?tokenEnv=APP_TOKEN
 * unix:///run/app.sock?tokenFile=/etc/app/token
 * </pre>
 *
 * <ul>
 *   <li>The secret is read when the entity is built: a variable that is not set, an unreadable,
 *       empty or oversize file fails the build with an error naming the variable or the file, never
 *       the secret. Restart the entity to pick up a new secret.
 *   <li>A file's content is the secret, less trailing line breaks; 1 to {@value #MAX_BYTES} bytes.
 *       A variable's value is the secret as UTF-8.
 *   <li>A server keeps only a SHA-256 digest of it and compares digests in constant time ({@link
 *       MessageDigest#isEqual}), so the time of a comparison tells nothing of the secret, not even
 *       its length. A client with the wrong or no token fails with {@link
 *       HandshakeRefusedException} ({@code wrong token} / {@code this server requires a token}).
 *   <li>The secret never appears in a dump, {@code toString()}, log line or error message.
 *   <li>On TCP the token travels in the clear unless TLS is on ({@code tls=true}).
 * </ul>
 *
 * @since 0.2
 */
public final class SharedToken {

  /** Longest secret, in bytes. */
  public static final int MAX_BYTES = 4096;

  /** The connector-string options that name where the secret is. */
  public static final Set<String> OPTIONS = Set.of("tokenEnv", "tokenFile");

  private final @Nullable String variable;
  private final @Nullable Path file;

  private SharedToken(@Nullable String variable, @Nullable Path file) {
    this.variable = variable;
    this.file = file;
  }

  /** The secret is the value of environment variable {@code variable}. */
  public static SharedToken fromEnv(String variable) {
    requireNonNull(variable, "variable");
    if (!variable.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
      throw new IllegalArgumentException(
          "tokenEnv must name an environment variable (letters, digits, '_'): '" + variable + "'");
    }
    return new SharedToken(variable, null);
  }

  /** The secret is the content of {@code file} (without trailing line breaks). */
  public static SharedToken fromFile(Path file) {
    requireNonNull(file, "file");
    return new SharedToken(null, file.toAbsolutePath().normalize());
  }

  /**
   * The token named by a connector string's {@code tokenEnv} or {@code tokenFile} option, or null
   * when it has neither. For transports' {@code load}.
   *
   * @throws IllegalArgumentException if both are given, or a {@code token} option would put the
   *     secret itself in the string
   */
  public static @Nullable SharedToken fromUri(ConnectorUri uri) {
    if (uri.param("token") != null) {
      throw uri.invalid(
          "a connector string never holds the token itself: name where it is with tokenEnv=NAME"
              + " or tokenFile=/path");
    }
    String env = uri.param("tokenEnv");
    String file = uri.param("tokenFile");
    if (env != null && file != null) {
      throw uri.invalid("give tokenEnv or tokenFile, not both");
    }
    try {
      if (env != null) {
        return fromEnv(env);
      }
      if (file != null) {
        if (file.isEmpty()) {
          throw new IllegalArgumentException("tokenFile is empty");
        }
        return fromFile(Path.of(file));
      }
    } catch (IllegalArgumentException e) {
      throw uri.invalid(e.getMessage());
    }
    return null;
  }

  /** The option for a connector's dump, e.g. {@code tokenEnv=APP_TOKEN}: where, never what. */
  public String option() {
    return variable != null
        ? "tokenEnv=" + variable
        : "tokenFile=" + ConnectorUri.encode(requireNonNull(file).toString().replace('\\', '/'));
  }

  /**
   * Reads the secret now.
   *
   * @throws IllegalStateException naming the variable or file and what is wrong, never the secret
   */
  byte[] read() {
    byte[] secret;
    if (variable != null) {
      String value = System.getenv(variable);
      if (value == null) {
        throw new IllegalStateException(
            "the token's environment variable " + variable + " is not set (tokenEnv=" + variable
                + ")");
      }
      secret = value.getBytes(StandardCharsets.UTF_8);
    } else {
      Path f = requireNonNull(file);
      // read at most a little more than the limit: the file may be anything (a device, a pipe)
      try (InputStream in = Files.newInputStream(f)) {
        secret = in.readNBytes(MAX_BYTES + 3);
      } catch (IOException e) {
        throw new IllegalStateException(
            "cannot read the token file " + f + ": " + e.getClass().getSimpleName()
                + (e.getMessage() != null && !e.getMessage().equals(f.toString())
                    ? " (" + e.getMessage() + ")"
                    : ""),
            e);
      }
      int end = secret.length;
      while (end > 0 && (secret[end - 1] == '\n' || secret[end - 1] == '\r')) {
        end--;
      }
      if (end < secret.length) {
        byte[] trimmed = Arrays.copyOf(secret, end);
        Arrays.fill(secret, (byte) 0);
        secret = trimmed;
      }
    }
    if (secret.length == 0 || secret.length > MAX_BYTES) {
      throw new IllegalStateException(
          "the token in " + this + " must be 1 to " + MAX_BYTES + " bytes, not " + secret.length);
    }
    return secret;
  }

  /**
   * The authenticator of a server whose connector has this token: refuses a client without it,
   * then asks {@code next} (with no credentials: the token is spent). Reads the secret now.
   */
  Authenticator authenticator(Authenticator next) {
    byte[] secret = read();
    byte[] digest = sha256(secret);
    Arrays.fill(secret, (byte) 0);
    return (client, credentials) -> {
      if (credentials.length == 0) {
        return "this server requires a token (tokenEnv= or tokenFile= in the client's connector"
            + " string); the client sent none";
      }
      // digests of equal length compared in constant time: neither the content nor the length
      // of the secret shows in the time a refusal takes
      if (!MessageDigest.isEqual(digest, sha256(credentials))) {
        return "wrong token";
      }
      return next.refusal(client, new byte[0]);
    };
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SharedToken other && option().equals(other.option());
  }

  @Override
  public int hashCode() {
    return option().hashCode();
  }

  /** Where the secret is, e.g. {@code token from environment variable APP_TOKEN}. */
  @Override
  public String toString() {
    return variable != null
        ? "token from environment variable " + variable
        : "token from file " + file;
  }
}
