package io.communica.core.internal.session;

import io.communica.core.Handler;
import io.communica.core.Payload;
import io.communica.core.RequestException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.internal.remote.ArgumentsType;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Handlers by route, looked up from the route's UTF-8 bytes as they stand in a frame, so that
 * dispatching a request allocates no string. An open-addressing table over a byte hash; routes are
 * few and fixed when the entity is built.
 */
public final class RouteIndex {

  /** A route, its handler, and the serializer the handler decodes and replies with. */
  record Entry(String route, byte[] utf8, int hash, Handler handler, Serializer serializer) {

    /**
     * Decodes request data for a handler; a failure is the requester's fault. A {@link Payload}
     * is a view of {@code payload}, whatever its content type, its bytes held on {@code account}.
     */
    @Nullable Object decodeRequest(
        int flags, int contentType, ByteBuf payload, MemoryBudget.Account account) {
      if ((flags & FrameHeader.FLAG_EMPTY) != 0) {
        return null;
      }
      Type type = handler.requestType();
      if (type == Payload.class) {
        return Payloads.received(payload, account);
      }
      if (contentType != serializer.contentType()) {
        throw new RequestException(
            "the request is in " + Frames.contentTypeName(contentType)
                + " but the responder decodes " + Frames.contentTypeName(serializer.contentType()),
            RequestException.INVALID_DATA);
      }
      try {
        return type instanceof ArgumentsType call
            ? serializer.decodeArguments(payload, call.method())
            : serializer.decode(payload, type);
      } catch (RuntimeException e) {
        throw new RequestException(
            "cannot decode the request"
                + (route.isEmpty() ? "" : " for route '" + route + "'")
                + " as " + type.getTypeName() + ": " + e.getMessage(),
            RequestException.INVALID_DATA,
            e);
      }
    }
  }

  private final Entry[] table;
  private final int mask;
  private final @Nullable Entry empty;
  private final int maxLength;

  public RouteIndex(Map<String, Handler> routes, Serializer defaultSerializer) {
    int size = Integer.highestOneBit(Math.max(1, routes.size()) * 4 - 1) << 1;
    table = new Entry[size];
    mask = size - 1;
    Entry emptyRoute = null;
    int longest = 0;
    for (Map.Entry<String, Handler> e : routes.entrySet()) {
      byte[] utf8 = e.getKey().getBytes(StandardCharsets.UTF_8);
      Handler h = e.getValue();
      Serializer serializer = h.serializer() != null ? h.serializer() : defaultSerializer;
      Entry entry = new Entry(e.getKey(), utf8, hash(utf8, utf8.length), h, serializer);
      if (utf8.length == 0) {
        emptyRoute = entry;
      }
      longest = Math.max(longest, utf8.length);
      int i = entry.hash & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      table[i] = entry;
    }
    empty = emptyRoute;
    maxLength = longest;
  }

  /** Whether there is no handler at all. */
  boolean isEmpty() {
    return empty == null && maxLength == 0;
  }

  /** Length in bytes of the longest route. */
  int maxLength() {
    return maxLength;
  }

  /** The entry for the first {@code len} bytes of {@code route}, or null. */
  @Nullable Entry lookup(byte[] route, int len) {
    if (len == 0) {
      return empty;
    }
    int h = hash(route, len);
    for (int i = h & mask; ; i = (i + 1) & mask) {
      Entry e = table[i];
      if (e == null) {
        return null;
      }
      if (e.hash == h && Arrays.equals(e.utf8, 0, e.utf8.length, route, 0, len)) {
        return e;
      }
    }
  }

  static int hash(byte[] bytes, int len) {
    int h = 1;
    for (int i = 0; i < len; i++) {
      h = 31 * h + bytes[i];
    }
    return h ^ (h >>> 16);
  }

  // ---------------------------------------------------------------- encoding routes

  private static final int CACHE_LIMIT = 4096;
  private static final Map<String, byte[]> UTF8 = new ConcurrentHashMap<>();
  static final byte[] NONE = new byte[0];

  /**
   * The UTF-8 bytes of a route, checked against the length limit; cached, since routes are
   * usually a handful of constants.
   *
   * @throws IllegalArgumentException if the route is longer than {@link FrameHeader#MAX_ROUTE_BYTES}
   */
  static byte[] utf8(String route) {
    if (route.isEmpty()) {
      return NONE;
    }
    byte[] bytes = UTF8.get(route);
    if (bytes == null) {
      bytes = route.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > FrameHeader.MAX_ROUTE_BYTES) {
        throw new IllegalArgumentException(
            "route is longer than " + FrameHeader.MAX_ROUTE_BYTES + " UTF-8 bytes");
      }
      if (UTF8.size() < CACHE_LIMIT) {
        UTF8.put(route, bytes);
      }
    }
    return bytes;
  }
}
