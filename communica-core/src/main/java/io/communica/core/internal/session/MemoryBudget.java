package io.communica.core.internal.session;

import io.netty.util.internal.PlatformDependent;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes every connection of the process may hold at once, together: outbound queues and
 * writes a peer has not read, partial messages being reassembled, and payloads waiting for a
 * blocking handler. Each connection has an {@link Account}; a reservation that takes the total
 * past the {@link #limit()} makes the connection holding the most shed its load (it is closed with
 * a logged reason and a CLOSE frame) before any allocation can fail. The connection that reserves
 * is refused only when it is itself the largest holder, or when the total would pass the hard
 * limit (half as much again) while the shed connections release their memory.
 *
 * <p>The process's budget is {@link #process()}: by default half the maximum direct memory (so
 * that the hard limit stays at three quarters of it), or what the system property {@value
 * #PROPERTY} says (bytes, with an optional {@code k}, {@code m} or {@code g}, or a percentage of
 * the maximum direct memory, e.g. {@code 40%}).
 *
 * <p>Well-behaved traffic does not touch the shared counter: an outbound queue counts only past
 * {@link #FREE_QUEUE} bytes, and writes only while the transport is full.
 */
public final class MemoryBudget {

  private static final Logger log = LoggerFactory.getLogger(MemoryBudget.class);

  /** The system property that sets the process's budget. */
  public static final String PROPERTY = "communica.memoryBudget";

  /** Bytes a connection's outbound queue holds before it counts against the budget. */
  static final long FREE_QUEUE = 64 * 1024;

  private static final class Holder {
    static final MemoryBudget PROCESS = fromProperty();
  }

  /** Work refused because the budget cannot take its bytes; the message says why. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Something that holds memory and can be made to let it go. */
  public interface Shedder {
    /** Closes the connection, saying {@code reason}, so that what it holds is released. Any thread. */
    void shed(String reason);
  }

  /** What an account's counter holds once closed. */
  private static final long CLOSED = Long.MIN_VALUE / 2;

  private final long limit;
  private final long hardLimit;
  private final AtomicLong used = new AtomicLong();
  /**
   * The open accounts, linked through their own fields (a set's entry would cost every connection
   * 32 bytes more): linked and unlinked under {@link #links}, walked without it when the budget is
   * exhausted, so that the walk holds up no connection opening or closing. An unlinked account
   * drops its links, so that a closed account keeps no other reachable: a walk standing on it as
   * it closes ends there ({@link #largest}).
   */
  private volatile @Nullable Account head;

  private final Object links = new Object();

  /** A budget of {@code limit} bytes. */
  public MemoryBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("a memory budget must be positive: " + limit);
    }
    this.limit = limit;
    this.hardLimit = limit + limit / 2;
  }

  /** The budget shared by every connection of this process. */
  public static MemoryBudget process() {
    return Holder.PROCESS;
  }

  private static MemoryBudget fromProperty() {
    long maxDirect = PlatformDependent.maxDirectMemory();
    String value = System.getProperty(PROPERTY);
    long limit = value == null ? maxDirect / 2 : parse(value, maxDirect);
    log.debug("memory budget {} bytes (maximum direct memory {})", limit, maxDirect);
    return new MemoryBudget(limit);
  }

  /** Parses a budget: bytes with an optional k/m/g suffix, or a percentage of {@code maxDirect}. */
  static long parse(String value, long maxDirect) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("%")) {
        double percent = Double.parseDouble(v.substring(0, v.length() - 1));
        if (percent > 0 && percent <= 100) {
          return (long) (maxDirect * percent / 100);
        }
      } else {
        long unit = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
          unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
          v = v.substring(0, v.length() - 1);
        }
        long n = Long.parseLong(v);
        if (n > 0 && n <= Long.MAX_VALUE / unit) {
          return n * unit;
        }
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException(
        "-D" + PROPERTY + "=" + value + " is not a memory budget: give bytes (e.g. 268435456, 256m,"
            + " 1g) or a percentage of the maximum direct memory (e.g. 50%)");
  }

  /** The soft limit: past it, the largest holder is shed. */
  public long limit() {
    return limit;
  }

  /** Bytes held by all accounts now. */
  public long used() {
    return used.get();
  }

  /** Opens the account of one connection. */
  public Account open(Shedder owner) {
    Account a = new Account(owner);
    synchronized (links) {
      Account h = head;
      a.next = h;
      if (h != null) {
        h.prev = a;
      }
      head = a;
    }
    return a;
  }

  private void unlink(Account a) {
    synchronized (links) {
      Account p = a.prev;
      Account n = a.next;
      if (p == null && head != a) {
        return; // unlinked already
      }
      if (p == null) {
        head = n;
      } else {
        p.next = n;
      }
      if (n != null) {
        n.prev = p;
      }
      // a closed account keeps no other reachable: a payload a user holds keeps its account (its
      // release callback), which must not keep the sessions of later-closed connections too; a
      // walk standing on it as it closes stops short ({@link #largest})
      a.prev = null;
      a.next = null;
    }
  }

  /** The open accounts now (for tests). */
  int openAccounts() {
    int n = 0;
    synchronized (links) {
      for (Account a = head; a != null; a = a.next) {
        n++;
      }
    }
    return n;
  }

  /**
   * The account holding the most; a walk that may see accounts closed meanwhile (holding 0), and
   * that ends early when the account it stands on is closed meanwhile: the caller then is refused
   * or sheds a smaller holder, as when it came a moment later.
   */
  private @Nullable Account largest() {
    Account big = null;
    long most = -1;
    for (Account a = head; a != null; a = a.next) {
      long h = a.held();
      if (h > most) {
        most = h;
        big = a;
      }
    }
    return big;
  }

  /** What one connection holds of the budget. Thread-safe. */
  public final class Account implements LongConsumer {

    // field updaters, not atomics of their own: every connection has an account
    private static final AtomicLongFieldUpdater<Account> HELD =
        AtomicLongFieldUpdater.newUpdater(Account.class, "held");
    private static final AtomicIntegerFieldUpdater<Account> SHEDDING =
        AtomicIntegerFieldUpdater.newUpdater(Account.class, "shedding");

    private final Shedder owner;
    /** Bytes held; CLOSED once closed. */
    volatile long held;
    /** 1 once shed. */
    volatile int shedding;
    /** Neighbours among the open accounts: written under the budget's lock. */
    private @Nullable Account prev;

    private volatile @Nullable Account next;

    private Account(Shedder owner) {
      this.owner = owner;
    }

    /**
     * Reserves {@code n} bytes before they are allocated. False when this account may not take
     * them: it holds the most while the budget is exhausted, the hard limit is reached, or its
     * connection closed; the caller then refuses the work (and sheds its own connection when the
     * bytes come from the peer).
     */
    public boolean reserve(long n) {
      long now = used.addAndGet(n);
      boolean granted = false;
      try {
        granted = (now <= limit || mayExceed(now)) && add(n) == n;
        return granted;
      } finally {
        if (!granted) {
          used.addAndGet(-n);
        }
      }
    }

    /**
     * Reserves {@code n} bytes for work that may as well wait: only within the limit, shedding no
     * other connection. False when the budget has no room or the connection closed.
     */
    boolean tryReserve(long n) {
      if (used.addAndGet(n) <= limit && add(n) == n) {
        return true;
      }
      used.addAndGet(-n);
      return false;
    }

    /**
     * Over the limit: when another connection holds more, it is shed (once) and this one may go on
     * within the hard limit while that one's memory is released.
     */
    private boolean mayExceed(long now) {
      Account big = largest();
      if (big != null && big != this && big.held() > held()) {
        big.shedFor(now);
        return now <= hardLimit;
      }
      return false;
    }

    /** Adds {@code delta} to what is held, never below zero; what was added (0 once closed). */
    private long add(long delta) {
      for (; ; ) {
        long h = held;
        if (h < 0) {
          return 0;
        }
        long d = Math.max(delta, -h);
        if (HELD.compareAndSet(this, h, h + d)) {
          return d;
        }
      }
    }

    /**
     * {@link #release(long)}: the account itself is the callback a received payload calls when it
     * is released, so that no connection carries a second object for it.
     */
    @Override
    public void accept(long n) {
      release(n);
    }

    /** Gives back {@code n} reserved bytes (nothing once the account is closed). */
    public void release(long n) {
      if (n > 0) {
        used.addAndGet(add(-n));
      }
    }

    /** Bytes this account holds now. */
    public long held() {
      return Math.max(0, held);
    }

    /** The connection closed: everything it held is given back; later calls do nothing. */
    public void close() {
      unlink(this);
      long h = HELD.getAndSet(this, CLOSED);
      if (h > 0) {
        used.addAndGet(-h);
      }
    }

    /** Why this account's connection must go, for its log line and CLOSE frame. */
    String overBudget() {
      return "the process's memory budget of " + limit + " bytes is exhausted (" + used.get()
          + " in use) and this connection holds " + held() + " bytes of it";
    }

    private void shedFor(long total) {
      if (SHEDDING.compareAndSet(this, 0, 1)) {
        log.debug("shedding a connection: {} bytes in use of {}", total, limit);
        owner.shed(overBudget());
      }
    }
  }
}
