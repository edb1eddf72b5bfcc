package io.communica.amqp;

/**
 * The last {@code capacity} distinct keys added, as a set: {@link #add} forgets the oldest once
 * full. One array of keys (open addressing, linear probing, at most a quarter full: short probe
 * runs) and a ring of the same keys in the order they came: per message one probe to ask, one to
 * add and one to forget the oldest. The {@code LongObjectHashMap<Boolean>} the {@link Inbox} used
 * before also kept a value array and took about 1.7 times as long per message (28.5 against 17
 * ns, 16,384 ids, one publisher's consecutive ids). Keys are expected to be scrambled already
 * ({@link Inbox#key}): their low bits choose the slot. Not thread safe.
 */
final class RecentIds {

  /** Marks an empty slot; the key 0 itself is kept in {@link #hasZero}. */
  private static final long EMPTY = 0;

  private final long[] slots;
  private final int mask;
  private final long[] order;
  private final int ringMask;
  private int next;
  private int count;
  private boolean hasZero;

  /** @param capacity a power of two */
  RecentIds(int capacity) {
    if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.slots = new long[capacity * 4];
    this.mask = slots.length - 1;
    this.order = new long[capacity];
    this.ringMask = capacity - 1;
  }

  private int index(long key) {
    return (int) (key ^ (key >>> 32)) & mask;
  }

  boolean contains(long key) {
    if (key == EMPTY) {
      return hasZero;
    }
    long[] s = slots;
    for (int i = index(key); ; i = (i + 1) & mask) {
      long k = s[i];
      if (k == key) {
        return true;
      }
      if (k == EMPTY) {
        return false;
      }
    }
  }

  /** Adds a key (nothing when it is there already), forgetting the oldest when full. */
  void add(long key) {
    if (!insert(key)) {
      return;
    }
    if (count == order.length) {
      remove(order[next]);
    } else {
      count++;
    }
    order[next] = key;
    next = (next + 1) & ringMask;
  }

  int size() {
    return count;
  }

  /** Inserts a key; false when it was there. The set has room: it is at most a quarter full. */
  private boolean insert(long key) {
    if (key == EMPTY) {
      if (hasZero) {
        return false;
      }
      hasZero = true;
      return true;
    }
    long[] s = slots;
    for (int i = index(key); ; i = (i + 1) & mask) {
      long k = s[i];
      if (k == key) {
        return false;
      }
      if (k == EMPTY) {
        s[i] = key;
        return true;
      }
    }
  }

  /** Removes a key, shifting back the keys of its probe run (no tombstones). */
  private void remove(long key) {
    if (key == EMPTY) {
      hasZero = false;
      return;
    }
    long[] s = slots;
    int i = index(key);
    while (s[i] != key) {
      if (s[i] == EMPTY) {
        return;
      }
      i = (i + 1) & mask;
    }
    // i is the hole; move back every later key of the run whose home is not in (i, j]
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      long k = s[j];
      if (k == EMPTY) {
        break;
      }
      int home = index(k);
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        s[i] = k;
        i = j;
      }
    }
    s[i] = EMPTY;
  }
}
