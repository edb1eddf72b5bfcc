package io.communica.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.communica.core.Connector;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.RequestException;
import io.communica.core.RouteClient;
import io.communica.core.Serializer;
import io.communica.hub.internal.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The hub's behaviour over one connector, with the hub and its nodes in this JVM (the tests with
 * node processes are {@link HubProcessesTest}). Each transport runs it with a fresh address per
 * hub.
 */
@Timeout(60)
abstract class HubSuite {

  static final Duration T = Duration.ofSeconds(20);

  private final List<AutoCloseable> open = new ArrayList<>();

  /** A fresh address for a hub. */
  abstract Connector hubConnector();

  /** Events of the order test. */
  int orderEvents() {
    return 2_000;
  }

  /**
   * Events of the slow-subscriber test: 20,000 in the default build (200 times the slow
   * subscriber's buffer, a few seconds), the 100,000 the issue names with {@code
   * -Dcommunica.hub.floodEvents=100000} (about 20 s on TCP on a loaded 2-core machine); a second
   * transport runs fewer.
   */
  int floodEvents() {
    return FLOOD_EVENTS;
  }

  static final int FLOOD_EVENTS = Integer.getInteger("communica.hub.floodEvents", 20_000);

  /**
   * Whether the hub reads node pids from the kernel (Unix sockets), so that nodes in this JVM all
   * have this JVM's pid whatever they say.
   */
  boolean kernelPids() {
    return false;
  }

  /** Whether every test runs on this transport (slow brokers run a few). */
  boolean full() {
    return true;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  Hub hub(Consumer<Hub.Builder> settings) {
    Hub.Builder b = Hub.builder(hubConnector());
    settings.accept(b);
    Hub hub = b.start();
    open.add(hub);
    return hub;
  }

  Hub hub() {
    return hub(b -> {});
  }

  Node node(Hub hub, String id) {
    return node(hub.connector(), id, b -> {});
  }

  Node node(Connector connector, String id, Consumer<Node.Builder> settings) {
    Node.Builder b =
        Node.builder(connector)
            .id(id)
            .name("name-" + id)
            .configure(c -> c.reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
    settings.accept(b);
    Node n = b.start();
    open.add(n);
    n.connected().block(T);
    return n;
  }

  /** Subscribes and waits until the hub confirmed it; events go to the returned queue. */
  static <T> BlockingQueue<Object> subscribe(Node node, String event, Class<T> type) {
    BlockingQueue<Object> q = new LinkedBlockingQueue<>();
    subscribe(node, event, type, q);
    return q;
  }

  static <T> Disposable subscribe(Node node, String event, Class<T> type, BlockingQueue<Object> q) {
    // a buffer that holds every test's events: slow transports (a broker) never drop here
    Disposable d =
        node.subscribe(event, type, Overflow.DROP_OLDEST, 65_536)
            .subscribe(q::add, q::add, () -> q.add("COMPLETE"));
    node.whenSubscribed(event).block(T);
    return d;
  }

  @SuppressWarnings("unchecked")
  static <T> Event<T> next(BlockingQueue<Object> q) throws InterruptedException {
    Object o = q.poll(T.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(o).as("an event within " + T).isInstanceOf(Event.class);
    return (Event<T>) o;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    await(what, T, condition);
  }

  static void await(String what, Duration within, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      Thread.sleep(10);
    }
  }

  static void assertCode(Mono<?> call, int code, String messagePart) {
    assertThatThrownBy(() -> call.block(T))
        .isInstanceOfSatisfying(
            RequestException.class, e -> assertThat(e.code()).as(e.toString()).isEqualTo(code))
        .hasMessageContaining(messagePart);
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void createSubscribeEmitReceiveInOrderPerEmitter() throws Exception {
    Hub hub = hub();
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    Node c = node(hub, "c");
    a.createEvent("ticks", Emission.SINGLE).block(T);
    BlockingQueue<Object> atB = subscribe(b, "ticks", Integer.class);
    BlockingQueue<Object> atC = subscribe(c, "ticks", Integer.class);
    assertThat(b.subscriptions()).containsExactly("ticks");

    int n = orderEvents();
    List<Integer> accepted =
        Flux.range(1, n).flatMapSequential(i -> a.emit("ticks", i), 64).collectList().block(T);
    assertThat(accepted).hasSize(n).containsOnly(2);
    for (BlockingQueue<Object> q : List.of(atB, atC)) {
      for (int i = 1; i <= n; i++) {
        Event<Integer> e = next(q);
        assertThat(e.event()).isEqualTo("ticks");
        assertThat(e.emitter()).isEqualTo("a");
        assertThat(e.sequence()).isEqualTo(i);
        assertThat(e.data()).isEqualTo(i);
        assertThat(e.dropped()).isZero();
      }
    }
    // null data crosses as null
    assertThat(a.emit("ticks", null).block(T)).isEqualTo(2);
    assertThat(next(atB).data()).isNull();
  }

  @Test
  void unsubscribeByCancelAndDissolveCompletesTheSubscribers() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    Hub hub = hub();
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    Node c = node(hub, "c");
    a.createEvent("news", Emission.SINGLE).block(T);
    BlockingQueue<Object> atB = new LinkedBlockingQueue<>();
    Disposable bSub = subscribe(b, "news", String.class, atB);
    BlockingQueue<Object> atC = subscribe(c, "news", String.class);
    assertThat(a.emit("news", "one").block(T)).isEqualTo(2);
    assertThat(next(atB).data()).isEqualTo("one");

    bSub.dispose();
    await("b's subscription removed", () -> !hub.buffered("news").containsKey("b"));
    assertThat(b.subscriptions()).isEmpty();
    assertThat(a.emit("news", "two").block(T)).isEqualTo(1);

    assertCode(c.dissolveEvent("news"), HubCodes.NO_RIGHT, "created by node 'a'");
    a.dissolveEvent("news").block(T);
    assertThat(next(atC).data()).isEqualTo("one");
    assertThat(next(atC).data()).isEqualTo("two");
    assertThat(atC.poll(T.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("COMPLETE");
    assertCode(a.emit("news", "three"), HubCodes.UNKNOWN_EVENT, "no event 'news'");
    assertThat(atB.poll()).isNull();
  }

  @Test
  void singleAndMultiEmissionRightsAndDuplicateCreate() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    Hub hub = hub();
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    Node c = node(hub, "c");
    a.createEvent("single", Emission.SINGLE).block(T);
    a.createEvent("multi", Emission.MULTI).block(T);
    assertCode(b.createEvent("single", Emission.MULTI), HubCodes.EVENT_EXISTS, "node 'a'");
    assertCode(a.createEvent("single", Emission.SINGLE), HubCodes.EVENT_EXISTS, "node 'a'");

    BlockingQueue<Object> single = subscribe(b, "single", String.class);
    BlockingQueue<Object> multi = subscribe(b, "multi", String.class);
    assertCode(b.emit("single", "x"), HubCodes.NO_RIGHT, "SINGLE");
    assertCode(c.emit("multi", "x"), HubCodes.NO_RIGHT, "MULTI");

    // a subscriber of a MULTI event emits it; each emitter has its own sequence
    assertThat(b.emit("multi", "from b 1").block(T)).isEqualTo(1);
    assertThat(a.emit("multi", "from a 1").block(T)).isEqualTo(1);
    assertThat(b.emit("multi", "from b 2").block(T)).isEqualTo(1);
    List<Event<String>> got = List.of(next(multi), next(multi), next(multi));
    assertThat(got).extracting(Event::emitter).containsExactly("b", "a", "b");
    assertThat(got).extracting(Event::sequence).containsExactly(1L, 1L, 2L);
    assertThat(a.emit("single", "ok").block(T)).isEqualTo(1);
    assertThat(next(single).data()).isEqualTo("ok");
  }

  @Test
  void unknownEventsAndNodes() {
    Hub hub = hub();
    Node a = node(hub, "a");
    assertCode(a.emit("nothing", 1), HubCodes.UNKNOWN_EVENT, "no event 'nothing'");
    assertCode(a.dissolveEvent("nothing"), HubCodes.UNKNOWN_EVENT, "no event 'nothing'");
    StepVerifier.create(a.subscribe("nothing", String.class))
        .expectErrorSatisfies(
            e -> assertThat(((RequestException) e).code()).isEqualTo(HubCodes.UNKNOWN_EVENT))
        .verify(T);
    assertCode(a.contact("nobody", "hi"), HubCodes.UNKNOWN_NODE, "no node 'nobody'");
    assertCode(a.request("nobody", "hi", String.class), HubCodes.UNKNOWN_NODE, "nobody");
    assertCode(a.request(999_999_999L, "hi", String.class), HubCodes.UNKNOWN_NODE, "999999999");
  }

  @Test
  void contactAndRequestByIdAndByPid() throws Exception {
    Hub hub = hub();
    BlockingQueue<Message<String>> contacts = new LinkedBlockingQueue<>();
    Node a = node(hub.connector(), "a", b -> b.pid(1001));
    node(hub.connector(), "b", b -> b.pid(1002)
        .onContact(String.class, contacts::add)
        .onRequest(String.class, m -> {
          if (m.data().equals("refuse")) {
            throw new RequestException("refused by b", 42);
          }
          return "b got '" + m.data() + "' from " + m.from();
        }));
    node(hub.connector(), "twin1", b -> b.pid(2000));
    node(hub.connector(), "twin2", b -> b.pid(2000));

    a.contact("b", "hello").block(T);
    Message<String> m = contacts.poll(T.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(m).isEqualTo(new Message<>("a", "hello"));
    assertThat(a.request("b", "q", String.class).block(T)).isEqualTo("b got 'q' from a");
    assertThatThrownBy(() -> a.request("b", "refuse", String.class).block(T))
        .isInstanceOfSatisfying(RequestException.class, e -> assertThat(e.code()).isEqualTo(42))
        .hasMessageContaining("refused by b");
    if (kernelPids()) {
      long own = ProcessHandle.current().pid();
      assertThat(hub.nodes()).extracting(NodeInfo::pid).containsOnly(own);
      assertCode(a.request(own, "x", String.class), HubCodes.AMBIGUOUS_PID, "pid " + own);
      return;
    }
    a.contact(1002L, "by pid").block(T);
    assertThat(contacts.poll(T.toMillis(), TimeUnit.MILLISECONDS).data()).isEqualTo("by pid");
    assertThat(a.request(1002L, "p", String.class).block(T)).isEqualTo("b got 'p' from a");
    assertCode(a.request(2000L, "x", String.class), HubCodes.AMBIGUOUS_PID, "pid 2000");
    // a node without a request handler says so
    assertCode(
        node(hub, "c").request("twin1", "x", String.class),
        RequestException.UNKNOWN_ROUTE,
        "answers no requests");
  }

  @Test
  void signalsAndMembership() throws Exception {
    Hub hub = hub();
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    BlockingQueue<Signal> atB = new LinkedBlockingQueue<>();
    b.signals().subscribe(atB::add);
    BlockingQueue<NodeEvent> seen = new LinkedBlockingQueue<>();
    a.nodeEvents().subscribe(seen::add);
    // c joins while the subscription may still be on its way: it shows once, as JOINED, either in
    // the snapshot of the nodes already there or as a change after it
    Node c = node(hub, "c");
    Map<String, NodeEvent> firstSeen = new HashMap<>();
    while (firstSeen.size() < 3) {
      NodeEvent e = seen.poll(T.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("joined events for a, b and c").isNotNull();
      assertThat(e.type()).isEqualTo(NodeEvent.Type.JOINED);
      assertThat(firstSeen.put(e.node().id(), e)).as("%s shown twice", e.node().id()).isNull();
    }
    assertThat(firstSeen).containsOnlyKeys("a", "b", "c");
    NodeEvent joined = firstSeen.get("c");
    assertThat(joined.node().name()).isEqualTo("name-c");
    assertThat(joined.node().pid()).isEqualTo(ProcessHandle.current().pid());

    for (int k = 0; k < 100; k++) {
      a.signal("b", k).block(T);
    }
    for (int k = 0; k < 100; k++) {
      assertThat(atB.poll(T.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(new Signal("a", k));
    }
    a.signal("nobody", 1).block(T); // dropped by the hub, which keeps serving
    a.signal("b", 65535).block(T);
    assertThat(atB.poll(T.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(new Signal("a", 65535));
    assertThatThrownBy(() -> a.signal("b", 65536).block(T))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(a.nodes().block(T)).extracting(NodeInfo::id).containsExactlyInAnyOrder("a", "b", "c");
    c.close();
    NodeEvent left = seen.poll(T.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(left.type()).isEqualTo(NodeEvent.Type.LEFT);
    assertThat(left.node().id()).isEqualTo("c");
    assertThat(a.nodes().block(T)).extracting(NodeInfo::id).containsExactlyInAnyOrder("a", "b");
  }

  /** The "one slow subscriber under 100,000 events" (see {@link #floodEvents}). */
  @Test
  @Timeout(150)
  void oneSlowSubscriberUnder100kEvents() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    int n = floodEvents();
    Hub hub = hub(h -> h.subscriptionBuffer(100, n));
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    Node c = node(hub, "c");
    Node slow = node(hub, "slow");
    a.createEvent("flood", Emission.SINGLE).block(T);
    // the others keep up: their buffers hold everything if the machine stalls them
    BlockingQueue<Object> atB = new LinkedBlockingQueue<>();
    b.subscribe("flood", Integer.class, Overflow.DROP_OLDEST, n).subscribe(atB::add);
    b.whenSubscribed("flood").block(T);
    List<Event<Integer>> atSlow = new CopyOnWriteArrayList<>();
    SlowSubscriber<Integer> s = new SlowSubscriber<>(atSlow);
    slow.subscribe("flood", Integer.class, Overflow.DROP_OLDEST, 100).subscribe(s);
    slow.whenSubscribed("flood").block(T);
    long[] countAtC = {0};
    long[] lastAtC = {0};
    Disposable cSub =
        c.subscribe("flood", Integer.class, Overflow.DROP_OLDEST, n).subscribe(e -> {
          if (e.sequence() == lastAtC[0] + 1) {
            lastAtC[0] = e.sequence();
          }
          countAtC[0]++;
        });
    c.whenSubscribed("flood").block(T);

    Flux.range(1, n).flatMap(i -> a.emit("flood", i), 256).then().block(Duration.ofSeconds(140));
    // the slow one's buffer on the hub stayed within its bound
    assertThat(hub.buffered("flood").get("slow")).isLessThanOrEqualTo(100);
    for (int i = 1; i <= n; i++) {
      Event<Integer> e = next(atB);
      assertThat(e.sequence()).isEqualTo(i);
      assertThat(e.dropped()).isZero();
    }
    await("c got everything", Duration.ofSeconds(60), () -> countAtC[0] == n);
    assertThat(lastAtC[0]).isEqualTo(n);
    cSub.dispose();

    s.requestAll();
    await("the slow one got the last event", () -> !atSlow.isEmpty()
        && atSlow.get(atSlow.size() - 1).sequence() == n);
    Event<Integer> last = atSlow.get(atSlow.size() - 1);
    assertThat(last.dropped()).isGreaterThan(n / 2).isEqualTo(n - atSlow.size());
    assertThat(atSlow).extracting(Event::sequence).isSorted();
  }

  @Test
  void theBuffersBytesStayWithinTheHubsBound() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    int max = 256 * 1024;
    int size = 4096;
    Hub hub = hub(h -> h.maxBufferedBytes(max));
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    Node c = node(hub, "c");
    a.createEvent("big", Emission.SINGLE).block(T);
    // two subscribers that take one event and then nothing: past the nodes' stream windows (256
    // events each) the events wait on the hub, where each buffer alone could hold 10,000
    List<Event<byte[]>> atB = new CopyOnWriteArrayList<>();
    List<Event<byte[]>> atC = new CopyOnWriteArrayList<>();
    SlowSubscriber<byte[]> oldest = new SlowSubscriber<>(atB);
    SlowSubscriber<byte[]> newest = new SlowSubscriber<>(atC);
    b.subscribe("big", byte[].class, Overflow.DROP_OLDEST, 10_000).subscribe(oldest);
    b.whenSubscribed("big").block(T);
    c.subscribe("big", byte[].class, Overflow.DROP_NEWEST, 10_000).subscribe(newest);
    c.whenSubscribed("big").block(T);
    int n = 1_000; // 4 MB for each buffer against a bound of 256 KiB for both
    long[] most = {0};
    Flux.range(1, n)
        .flatMapSequential(i -> a.emit("big", new byte[size]), 16)
        .doOnNext(x -> most[0] = Math.max(most[0], hub.bufferedBytes()))
        .then()
        .block(T);
    assertThat(most[0]).isPositive().isLessThanOrEqualTo(max);
    assertThat(hub.bufferedBytes()).isLessThanOrEqualTo(max);
    oldest.requestAll();
    newest.requestAll();
    await("the buffers delivered", () -> hub.bufferedBytes() == 0
        && !atB.isEmpty() && atB.get(atB.size() - 1).sequence() == n
        && !atC.isEmpty() && atC.size() + atC.get(atC.size() - 1).dropped() == n);
    // what the bound refused was counted as dropped, for each subscriber, and the rest arrived in
    // order: DROP_OLDEST kept the newest, DROP_NEWEST the oldest
    assertThat(atB.get(atB.size() - 1).dropped()).isPositive().isEqualTo(n - atB.size());
    assertThat(atC.get(atC.size() - 1).dropped()).isPositive();
    assertThat(atC.get(atC.size() - 1).sequence()).isLessThan(n);
    assertThat(atB).extracting(Event::sequence).isSorted();
    assertThat(atC).extracting(Event::sequence).isSorted();
  }

  @Test
  void errorPolicyEndsTheSubscriptionAndDropNewestKeepsTheOldest() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    Hub hub = hub();
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    a.createEvent("e", Emission.SINGLE).block(T);
    List<Event<Integer>> newest = new CopyOnWriteArrayList<>();
    SlowSubscriber<Integer> keepOld = new SlowSubscriber<>(newest);
    b.subscribe("e", Integer.class, Overflow.DROP_NEWEST, 10).subscribe(keepOld);
    b.whenSubscribed("e").block(T);
    BlockingQueue<Object> failing = new LinkedBlockingQueue<>();
    SlowSubscriber<Integer> err = new SlowSubscriber<>(new ArrayList<>());
    b.subscribe("e", Integer.class, Overflow.ERROR, 10)
        .doOnError(failing::add)
        .subscribe(err);
    // both subscriptions are on the hub once an emit reaches two buffers
    int[] emitted = {0};
    await("both subscribed", () -> {
      emitted[0]++;
      return a.emit("e", 0).block(T) == 2;
    });
    int n = 5_000;
    Flux.range(1, n).concatMap(i -> a.emit("e", i), 64).then().block(T);
    err.requestAll();
    Object failure = failing.poll(T.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(failure).isInstanceOfSatisfying(
        RequestException.class, e -> assertThat(e.code()).isEqualTo(HubCodes.OVERFLOW));
    keepOld.requestAll();
    await("the buffered ones delivered",
        () -> newest.size() >= 10 && hub.buffered("e").getOrDefault("b", 0) == 0);
    // the oldest events (those the node's window and the hub's buffer held) arrived, in order
    assertThat(newest).extracting(Event::sequence).isSorted();
    assertThat(newest.get(0).sequence()).isEqualTo(1);
    assertThat(newest.size()).isLessThan(n);
    assertThat(a.emit("e", -1).block(T)).isEqualTo(1);
    await("the last one", () -> newest.get(newest.size() - 1).data() == -1);
    int total = emitted[0] + n + 1;
    assertThat(newest.get(newest.size() - 1).dropped()).isEqualTo(total - newest.size());
  }

  @Test
  void badInputLimitsAndCaps() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    Hub hub = hub(h -> h.maxEventsPerNode(3).maxSubscriptionsPerNode(2).maxMessageSize(64 * 1024));
    Node a = node(hub, "a");
    Node b = node(hub, "b");
    String longName = "n".repeat(257);
    assertCode(a.createEvent(longName, Emission.SINGLE), HubCodes.LIMIT, "256");
    assertCode(a.emit(longName, 1), HubCodes.LIMIT, "256");
    assertCode(a.createEvent("", Emission.SINGLE), HubCodes.LIMIT, "1 to 256");
    a.createEvent("é".repeat(128), Emission.SINGLE).block(T); // 256 bytes: fits
    a.createEvent("e1", Emission.SINGLE).block(T);
    a.createEvent("e2", Emission.SINGLE).block(T);
    assertCode(a.createEvent("e3", Emission.SINGLE), HubCodes.LIMIT, "3 events");
    assertCode(a.emit("e1", "x".repeat(63 * 1024 + 1)), HubCodes.LIMIT, "over the hub's limit");

    subscribe(b, "e1", String.class);
    subscribe(b, "e2", String.class);
    StepVerifier.create(b.subscribe("e1", String.class))
        .expectErrorSatisfies(e -> assertThat(((RequestException) e).code()).isEqualTo(HubCodes.LIMIT))
        .verify(T);
    StepVerifier.create(b.subscribe("e1", String.class, Overflow.ERROR, 1_000_000))
        .expectErrorMessage("node 'b' has 2 subscriptions, the hub's cap per node")
        .verify(T);

    // a node flooding emits gets answers or clear errors, and the hub serves the others meanwhile
    List<Object> outcomes = new CopyOnWriteArrayList<>();
    Disposable flood =
        Flux.range(1, 5_000)
            .flatMap(i -> a.emit("e1", "x".repeat(1000)).onErrorResume(e -> Mono.just(-1)), 5_000)
            .subscribe(outcomes::add);
    assertThat(b.nodes().block(T)).hasSize(2);
    await("the flood answered", () -> outcomes.size() == 5_000);
    flood.dispose();
    assertThat(outcomes).isSubsetOf(1, -1);
    assertThat(a.emit("e2", "still").block(T)).isEqualTo(1);
  }

  @Test
  void strangersAndGarbageAreRefusedAndTheHubKeepsServing() {
    assumeTrue(full(), "run on TCP and loopback");
    Hub hub = hub();
    Node a = node(hub, "a");
    a.createEvent("e", Emission.SINGLE).block(T);
    // a client that is not a node: refused at the handshake, saying why
    try (RouteClient stranger = RouteClient.builder(hub.connector()).failFast(true).start()) {
      assertThatThrownBy(() -> stranger.request(Wire.NODES, "", String.class).block(T))
          .isInstanceOf(HandshakeRefusedException.class)
          .hasMessageContaining("not a hub node");
    }
    // a node whose name is over the limit: refused, saying which limit
    try (RouteClient longName =
        RouteClient.builder(hub.connector())
            .failFast(true)
            .credentials(Wire.bytes(Wire.INSTANCE, new Wire.Join("n".repeat(300), 1, "x")))
            .start()) {
      assertThatThrownBy(() -> longName.request(Wire.NODES, "", String.class).block(T))
          .isInstanceOf(HandshakeRefusedException.class)
          .hasMessageContaining("node name over 256 bytes");
    }
    // a node-like client whose messages are garbage in the hub's format
    try (RouteClient liar =
        RouteClient.builder(hub.connector())
            .serializer(new RawBytes())
            .credentials(Wire.bytes(Wire.INSTANCE, new Wire.Join("liar", 1, "x")))
            .start()) {
      for (String route : List.of(Wire.EMIT, Wire.CREATE, Wire.NODES, Wire.CONTACT)) {
        assertThatThrownBy(() -> liar.request(route, new byte[] {3, 0, 9}, byte[].class).block(T))
            .as(route)
            .isInstanceOfSatisfying(RequestException.class,
                e -> assertThat(e.code()).isEqualTo(RequestException.INVALID_DATA));
      }
      // a length that claims more than arrived
      assertThatThrownBy(
              () -> liar.request(Wire.EMIT, new byte[] {3, 0, 1, 'e', 0x7f, -1, -1, -1},
                  byte[].class).block(T))
          .isInstanceOf(RequestException.class)
          .hasMessageContaining("truncated");
    }
    assertThat(a.emit("e", 1).block(T)).isZero();
    assertThat(a.nodes().block(T)).extracting(NodeInfo::id).contains("a");
  }

  /** Sends byte arrays as they are, under the hub's content type. */
  static final class RawBytes extends Serializer {
    @Override
    public String name() {
      return "raw";
    }

    @Override
    public int contentType() {
      return Wire.CONTENT_TYPE;
    }

    @Override
    public void encode(Object value, ByteBuf out) {
      out.writeBytes((byte[]) value);
    }

    @Override
    public Object decode(ByteBuf in, java.lang.reflect.Type type) {
      return ByteBufUtil.getBytes(in);
    }
  }

  @Test
  void hubRestartedNodesRegisterAgain() throws Exception {
    assumeTrue(full(), "run on TCP and loopback");
    Hub first = Hub.builder(hubConnector()).start();
    Connector address = first.connector();
    Node a = node(address, "a", x -> {});
    Node b = node(address, "b", x -> {});
    a.createEvent("pulse", Emission.SINGLE).block(T);
    BlockingQueue<Object> atB = subscribe(b, "pulse", Integer.class);
    assertThat(a.emit("pulse", 1).block(T)).isEqualTo(1);
    assertThat(next(atB).data()).isEqualTo(1);

    first.close();
    await("nodes lost the hub", () -> !a.isConnected() && !b.isConnected());
    Hub second = Hub.builder(address).start();
    open.add(second);
    // a creates its event again, b resubscribes: a's emit reaches b once both happened
    await("b subscribed to the new hub", () -> second.buffered("pulse").containsKey("b"));
    assertThat(a.emit("pulse", 2).block(T)).isEqualTo(1);
    Event<Integer> e = next(atB);
    assertThat(e.data()).isEqualTo(2);
    assertThat(e.sequence()).isEqualTo(1); // a new hub counts from 1
    assertThat(second.nodes()).extracting(NodeInfo::id).containsExactlyInAnyOrder("a", "b");
  }
}
