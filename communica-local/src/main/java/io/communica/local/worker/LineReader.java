package io.communica.local.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import org.jspecify.annotations.Nullable;

/**
 * Reads lines of at most a fixed number of characters: a program that prints without newlines
 * cannot make this allocate more than the limit. Lines end at {@code \n}; a {@code \r} before it
 * is dropped. For {@link Worker} and the standard-error relay of {@code StdioConnector}.
 */
public final class LineReader {

  /** A line longer than the limit. */
  public static final class TooLongException extends IOException {
    public TooLongException(String message) {
      super(message);
    }
  }

  private final Reader in;
  private final int maxLength;
  private final char[] buf = new char[8192];
  private int pos;
  private int end;
  private final StringBuilder line = new StringBuilder();

  public LineReader(InputStream in, Charset charset, int maxLength) {
    this.in = new InputStreamReader(in, charset);
    this.maxLength = maxLength;
  }

  /**
   * The next line, or null at the end of the stream (a last line without newline is returned
   * first).
   *
   * @throws TooLongException when a line exceeds the limit; the rest of that line is not read
   */
  public @Nullable String readLine() throws IOException {
    line.setLength(0);
    while (true) {
      if (pos == end) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          return line.length() > 0 ? take() : null;
        }
        pos = 0;
        end = n;
      }
      int start = pos;
      while (pos < end && buf[pos] != '\n') {
        pos++;
      }
      line.append(buf, start, pos - start);
      if (line.length() > maxLength + 1) {
        throw new TooLongException(
            "a line longer than " + maxLength + " characters (the limit)");
      }
      if (pos < end) {
        pos++; // the newline
        return take();
      }
    }
  }

  private String take() throws TooLongException {
    int len = line.length();
    if (len > 0 && line.charAt(len - 1) == '\r') {
      len--;
    }
    if (len > maxLength) {
      throw new TooLongException("a line longer than " + maxLength + " characters (the limit)");
    }
    return line.substring(0, len);
  }
}
