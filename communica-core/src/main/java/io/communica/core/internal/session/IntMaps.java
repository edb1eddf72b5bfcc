package io.communica.core.internal.session;

import io.netty.util.collection.IntObjectHashMap;
import java.util.Map;

/**
 * The id maps of a session (requests waiting for replies, calls and streams being handled) are
 * empty on an idle connection, and a Netty int map costs some 190 bytes even then. Until its first
 * put a session's map is this one shared empty map, which is read-only: reads (get, remove of an
 * absent key, size, iteration) need no check, and a put on it fails loudly instead of mixing the
 * connections' ids. Loop-confined like the maps themselves.
 */
final class IntMaps {

  private static final IntObjectHashMap<Object> EMPTY = new Empty();

  private IntMaps() {}

  /** The shared empty map. */
  @SuppressWarnings("unchecked")
  static <V> IntObjectHashMap<V> empty() {
    return (IntObjectHashMap<V>) (IntObjectHashMap<?>) EMPTY;
  }

  /** {@code map} itself, or a new map of {@code capacity} when it is the shared empty one. */
  static <V> IntObjectHashMap<V> writable(IntObjectHashMap<V> map, int capacity) {
    return map == EMPTY ? new IntObjectHashMap<>(capacity) : map;
  }

  private static final class Empty extends IntObjectHashMap<Object> {
    Empty() {
      super(2);
    }

    @Override
    public Object put(int key, Object value) {
      throw new UnsupportedOperationException("the shared empty map takes no entry");
    }

    @Override
    public void putAll(Map<? extends Integer, ?> source) {
      throw new UnsupportedOperationException("the shared empty map takes no entry");
    }

    @Override
    public void clear() {
      // nothing to clear; not written, since it is shared between loops
    }
  }
}
