package io.communica.hub.internal;

import io.communica.core.ClientInfo;
import io.communica.core.RequestException;
import io.communica.hub.HubCodes;
import io.communica.hub.NodeInfo;
import io.communica.hub.internal.Wire.Create;
import io.communica.hub.internal.Wire.Delivered;
import io.communica.hub.internal.Wire.Emit;
import io.communica.hub.internal.Wire.Item;
import io.communica.hub.internal.Wire.Member;
import io.communica.hub.internal.Wire.Subscribe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * The hub's registry: nodes, events, subscriptions and membership listeners. Structural changes
 * take one lock; emitting takes only its event's lock (which keeps each emitter's order in every
 * subscription) and never waits for a subscriber.
 */
public final class HubState {

  private static final Logger log = LoggerFactory.getLogger(HubState.class);

  /** Limits and timings; see {@code Hub.Builder}. */
  public record Limits(
      Duration reconnectWindow,
      int maxEventsPerNode,
      int maxSubscriptionsPerNode,
      int defaultBuffer,
      int maxBuffer,
      long maxBufferedBytes,
      int maxDataBytes) {}

  private final Limits limits;
  private final Supplier<Set<String>> connectedIds;
  private final Scheduler timer;
  private final Object lock = new Object();
  private final Map<String, NodeEntry> nodes = new ConcurrentHashMap<>();
  private final Map<String, EventEntry> events = new ConcurrentHashMap<>();
  private final List<Outlet<Member>> members = new CopyOnWriteArrayList<>();
  private final AtomicLong buffered = new AtomicLong();

  public HubState(Limits limits, Supplier<Set<String>> connectedIds, Scheduler timer) {
    this.limits = limits;
    this.connectedIds = connectedIds;
    this.timer = timer;
  }

  private static final class NodeEntry {
    final String id;
    final String instance;
    volatile String name;
    volatile long pid;
    /** Changes with every connect and disconnect, so that a stale expiry does nothing. */
    int generation;
    final Map<String, EventEntry> owned = new LinkedHashMap<>();
    final Map<String, Sub> subs = new HashMap<>();

    NodeEntry(String id, String name, long pid, String instance) {
      this.id = id;
      this.instance = instance;
      this.name = name;
      this.pid = pid;
    }
  }

  private static final class EventEntry {
    final String name;
    final String owner;
    final int emission;
    volatile Sub[] subs = new Sub[0];
    /** Guarded by this: the last sequence number per emitter. */
    final Map<String, long[]> seqs = new HashMap<>();

    EventEntry(String name, String owner, int emission) {
      this.name = name;
      this.owner = owner;
      this.emission = emission;
    }
  }

  /** One subscription: the subscriber's buffer. */
  private final class Sub extends Outlet<Item> {
    final String subId;
    final String nodeId;
    final EventEntry event;

    Sub(String subId, String nodeId, EventEntry event, int capacity, int policy) {
      super(capacity, policy, buffered);
      this.subId = subId;
      this.nodeId = nodeId;
      this.event = event;
    }

    @Override
    protected long size(Item item) {
      byte[] d = item.data();
      return 64 + (d == null ? 0 : d.length);
    }

    @Override
    protected Object deliverable(Item item, long dropped) {
      return new Delivered(Delivered.EVENT, item, dropped);
    }

    @Override
    protected Object greeting() {
      return new Delivered(Delivered.ACK, null, dropped());
    }

    @Override
    protected void overflowed() {
      // called under the event's lock, which must not wait for the registry's
      timer.schedule(
          () -> {
            synchronized (lock) {
              removeSub(this);
            }
          });
    }

    @Override
    protected Throwable overflowError() {
      return new RequestException(
          "the subscription to '" + event.name + "' overflowed its buffer and was ended",
          HubCodes.OVERFLOW);
    }
  }

  // ---------------------------------------------------------------- nodes

  /** The authenticator: registers (or refreshes) the node a handshake names; null accepts. */
  public @Nullable String join(ClientInfo client, byte[] credentials) {
    Wire.Join join;
    try {
      join = Wire.value(Wire.INSTANCE, credentials, Wire.Join.class);
    } catch (RuntimeException e) {
      return "not a hub node (bad join credentials: " + e.getMessage() + ")";
    }
    if (join == null) {
      return "not a hub node";
    }
    if (utf8(join.name()) > HubCodes.MAX_NAME_BYTES) {
      return "node name over " + HubCodes.MAX_NAME_BYTES + " bytes";
    }
    long pid = client.credentials() != null ? client.credentials().pid() : join.pid();
    NodeEntry before = nodes.get(client.clientId());
    if (before != null && !before.instance.equals(join.instance())) {
      // the same id from a new Node (a restarted process): the old one is gone, with its
      // subscriptions, which nobody would resume
      leave(before.id);
    }
    NodeEntry joined = null;
    synchronized (lock) {
      NodeEntry n = nodes.get(client.clientId());
      if (n == null) {
        n = new NodeEntry(client.clientId(), join.name(), pid, join.instance());
        nodes.put(n.id, n);
        joined = n;
      } else {
        n.name = join.name();
        n.pid = pid;
      }
      // expire it if the handshake does not complete after all
      scheduleExpiry(n);
      if (joined != null) {
        // under the lock, so that a listener's snapshot and the changes after it do not overlap
        publish(Member.JOINED, info(joined, true));
      }
    }
    return null;
  }

  /** A client connected or disconnected: its reconnect window starts over. */
  public void connectionChanged(String id) {
    synchronized (lock) {
      NodeEntry n = nodes.get(id);
      if (n != null) {
        scheduleExpiry(n);
      }
    }
  }

  private void scheduleExpiry(NodeEntry n) {
    int gen = ++n.generation;
    timer.schedule(
        () -> expireIfGone(n.id, gen), limits.reconnectWindow().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void expireIfGone(String id, int gen) {
    synchronized (lock) {
      NodeEntry n = nodes.get(id);
      if (n == null || n.generation != gen) {
        return;
      }
      if (connectedIds.get().contains(id)) {
        return;
      }
    }
    leave(id);
  }

  /**
   * The node left (its window passed, or it said so): its SINGLE events are dissolved, its
   * subscriptions removed, the others told.
   */
  public void leave(String id) {
    NodeEntry n;
    synchronized (lock) {
      n = nodes.remove(id);
      if (n == null) {
        return;
      }
      for (EventEntry e : List.copyOf(n.owned.values())) {
        if (e.emission == 0) {
          dissolveLocked(e);
        }
      }
      for (Sub s : List.copyOf(n.subs.values())) {
        removeSub(s);
        s.discard();
      }
      for (EventEntry e : events.values()) {
        synchronized (e) {
          e.seqs.remove(id);
        }
      }
      publish(Member.LEFT, info(n, false));
    }
    log.debug("node {} ({}) left", id, n.name);
  }

  public List<NodeInfo> nodes() {
    Set<String> up = connectedIds.get();
    List<NodeInfo> list = new ArrayList<>();
    for (NodeEntry n : nodes.values()) {
      list.add(info(n, up.contains(n.id)));
    }
    return list;
  }

  private static NodeInfo info(NodeEntry n, boolean connected) {
    return new NodeInfo(n.id, n.name, n.pid, connected);
  }

  /** The node id a contact, request or signal goes to: by id, or by pid when target is empty. */
  public String resolve(String target, long pid) {
    if (!target.isEmpty()) {
      if (!nodes.containsKey(target)) {
        throw new RequestException("no node '" + target + "' is joined", HubCodes.UNKNOWN_NODE);
      }
      return target;
    }
    String found = null;
    for (NodeEntry n : nodes.values()) {
      if (n.pid == pid) {
        if (found != null) {
          throw new RequestException(
              "more than one node has pid " + pid + " (" + found + ", " + n.id
                  + "): address one by its node id",
              HubCodes.AMBIGUOUS_PID);
        }
        found = n.id;
      }
    }
    if (found == null) {
      throw new RequestException("no node with pid " + pid + " is joined", HubCodes.UNKNOWN_NODE);
    }
    return found;
  }

  /**
   * Membership for one listener: ACK, a JOINED for every node joined now, then JOINED and LEFT as
   * they happen (the oldest dropped past 1024). The snapshot is taken under the same lock as the
   * changes, so a node shows once: in the snapshot or as a change after it.
   */
  public Outlet<Member> members() {
    Outlet<Member> o =
        new Outlet<>(1024, Outlet.DROP_OLDEST, null) {
          @Override
          protected Object greeting() {
            return new Member(Member.ACK, null);
          }

          @Override
          protected void detached() {
            members.remove(this);
          }
        };
    synchronized (lock) {
      members.add(o);
      Set<String> up = connectedIds.get();
      for (NodeEntry n : nodes.values()) {
        o.offer(new Member(Member.JOINED, info(n, up.contains(n.id))), Long.MAX_VALUE);
      }
    }
    return o;
  }

  private void publish(int kind, NodeInfo node) {
    Member m = new Member(kind, node);
    for (Outlet<Member> o : members) {
      o.offer(m, Long.MAX_VALUE);
    }
  }

  // ---------------------------------------------------------------- events

  public void create(String from, Create c) {
    checkName(c.name());
    if (c.emission() < 0 || c.emission() > 1) {
      throw new RequestException("bad emission " + c.emission(), RequestException.INVALID_DATA);
    }
    synchronized (lock) {
      NodeEntry n = node(from);
      EventEntry e = events.get(c.name());
      if (e != null) {
        if (c.again() && e.owner.equals(from) && e.emission == c.emission()) {
          return; // a node re-registering after a reconnect
        }
        NodeEntry owner = nodes.get(e.owner);
        throw new RequestException(
            "event '" + c.name() + "' exists already, created by node '" + e.owner + "'"
                + (owner != null ? " (" + owner.name + ", pid " + owner.pid + ")" : ""),
            HubCodes.EVENT_EXISTS);
      }
      if (n.owned.size() >= limits.maxEventsPerNode()) {
        throw new RequestException(
            "node '" + from + "' has created " + n.owned.size() + " events, the hub's cap per node",
            HubCodes.LIMIT);
      }
      e = new EventEntry(c.name(), from, c.emission());
      events.put(e.name, e);
      n.owned.put(e.name, e);
    }
  }

  public void dissolve(String from, String name) {
    synchronized (lock) {
      EventEntry e = event(name);
      if (!e.owner.equals(from)) {
        throw new RequestException(
            "event '" + name + "' was created by node '" + e.owner + "': only it may dissolve it",
            HubCodes.NO_RIGHT);
      }
      dissolveLocked(e);
    }
  }

  private void dissolveLocked(EventEntry e) {
    events.remove(e.name, e);
    NodeEntry owner = nodes.get(e.owner);
    if (owner != null) {
      owner.owned.remove(e.name, e);
    }
    for (Sub s : e.subs) {
      NodeEntry n = nodes.get(s.nodeId);
      if (n != null) {
        n.subs.remove(s.subId, s);
      }
      s.complete();
    }
    e.subs = new Sub[0];
  }

  /** Emits: the number of subscriptions whose buffer took the item. */
  public int emit(String from, Emit m) {
    checkName(m.name());
    byte[] data = m.data();
    if (data != null && data.length > limits.maxDataBytes()) {
      throw new RequestException(
          "event data of " + data.length + " bytes is over the hub's limit of "
              + limits.maxDataBytes(),
          HubCodes.LIMIT);
    }
    EventEntry e = event(m.name());
    if (!e.owner.equals(from)) {
      if (e.emission == 0) {
        throw new RequestException(
            "event '" + e.name + "' is SINGLE: only its creator '" + e.owner + "' emits it",
            HubCodes.NO_RIGHT);
      }
      if (!subscribes(e, from)) {
        throw new RequestException(
            "event '" + e.name + "' is MULTI: only its creator and its subscribers emit it",
            HubCodes.NO_RIGHT);
      }
    }
    int accepted = 0;
    long max = limits.maxBufferedBytes();
    synchronized (e) {
      long[] seq = e.seqs.computeIfAbsent(from, k -> new long[1]);
      Item item = new Item(e.name, from, ++seq[0], data);
      for (Sub s : e.subs) {
        if (s.offer(item, max)) {
          accepted++;
        }
      }
    }
    return accepted;
  }

  private static boolean subscribes(EventEntry e, String node) {
    for (Sub s : e.subs) {
      if (s.nodeId.equals(node)) {
        return true;
      }
    }
    return false;
  }

  /** A subscription's stream: a new subscription, or one the node had (reconnected). */
  public Outlet<Item> subscribe(String from, Subscribe m) {
    checkName(m.name());
    synchronized (lock) {
      NodeEntry n = node(from);
      Sub s = n.subs.get(m.subId());
      if (s != null && s.event.name.equals(m.name())) {
        return s;
      }
      EventEntry e = event(m.name());
      if (n.subs.size() >= limits.maxSubscriptionsPerNode()) {
        throw new RequestException(
            "node '" + from + "' has " + n.subs.size() + " subscriptions, the hub's cap per node",
            HubCodes.LIMIT);
      }
      int capacity = m.capacity() == 0 ? limits.defaultBuffer() : m.capacity();
      if (capacity < 1 || capacity > limits.maxBuffer()) {
        throw new RequestException(
            "a subscription buffer holds 1 to " + limits.maxBuffer() + " events, not "
                + m.capacity(),
            HubCodes.LIMIT);
      }
      if (m.overflow() < 0 || m.overflow() > 2 || utf8(m.subId()) > HubCodes.MAX_NAME_BYTES) {
        throw new RequestException("bad subscription request", RequestException.INVALID_DATA);
      }
      s = new Sub(m.subId(), from, e, capacity, m.overflow());
      n.subs.put(s.subId, s);
      Sub[] now = Arrays.copyOf(e.subs, e.subs.length + 1);
      now[now.length - 1] = s;
      e.subs = now;
      return s;
    }
  }

  public void unsubscribe(String from, String subId) {
    Sub s;
    synchronized (lock) {
      NodeEntry n = nodes.get(from);
      s = n == null ? null : n.subs.get(subId);
      if (s == null) {
        return;
      }
      removeSub(s);
    }
    s.discard();
  }

  /** Lock held. */
  private void removeSub(Sub s) {
    NodeEntry n = nodes.get(s.nodeId);
    if (n != null) {
      n.subs.remove(s.subId, s);
    }
    EventEntry e = s.event;
    List<Sub> left = new ArrayList<>(Arrays.asList(e.subs));
    if (left.remove(s)) {
      e.subs = left.toArray(new Sub[0]);
    }
  }

  /** Bytes buffered for all subscriptions now. */
  public long bufferedBytes() {
    return buffered.get();
  }

  /** Events buffered for the subscriptions to {@code event} now, by subscriber node. */
  public Map<String, Integer> buffered(String event) {
    Map<String, Integer> m = new HashMap<>();
    EventEntry e = events.get(event);
    if (e != null) {
      for (Sub s : e.subs) {
        m.merge(s.nodeId, s.buffered(), Integer::sum);
      }
    }
    return m;
  }

  private NodeEntry node(String id) {
    NodeEntry n = nodes.get(id);
    if (n == null) {
      // a node whose window passed while its connection stayed (it cannot happen with a live
      // connection, but a handshake refused after the authenticator can leave none)
      throw new RequestException("node '" + id + "' is not joined", HubCodes.UNKNOWN_NODE);
    }
    return n;
  }

  private EventEntry event(String name) {
    EventEntry e = events.get(name);
    if (e == null) {
      throw new RequestException("no event '" + name + "'", HubCodes.UNKNOWN_EVENT);
    }
    return e;
  }

  static void checkName(String name) {
    int n = utf8(name);
    if (n == 0 || n > HubCodes.MAX_NAME_BYTES) {
      throw new RequestException(
          "an event name has 1 to " + HubCodes.MAX_NAME_BYTES + " UTF-8 bytes, not " + n,
          HubCodes.LIMIT);
    }
  }

  static int utf8(String s) {
    return s.length() > HubCodes.MAX_NAME_BYTES * 3
        ? s.length()
        : s.getBytes(StandardCharsets.UTF_8).length;
  }
}
