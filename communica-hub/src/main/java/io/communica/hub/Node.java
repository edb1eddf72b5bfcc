package io.communica.hub;

import static java.util.Objects.requireNonNull;

import io.communica.core.CallOptions;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.RouteClient;
import io.communica.core.Serializer;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.intercept.ConnectionListener;
import io.communica.hub.internal.Wire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * A process joined to a {@link Hub}: it creates, emits and subscribes to events, contacts and
 * requests other nodes through the hub, and sends and receives signals.
 *
 * <pre>{@code
 * Node node = Node.builder(Connector.load("tcp://127.0.0.1:54121")).name("sensor").start();
 * node.createEvent("temperature", Emission.SINGLE).block();
 * node.emit("temperature", 21.5).block();                     // Mono<Integer>: buffers that took it
 *
 * // another process
 * node.subscribe("temperature", Double.class)
 *     .subscribe(e -> System.out.println(e.emitter() + ": " + e.data()));
 * }</pre>
 *
 * <p>A node's id is its client id, kept across reconnects; other nodes also see its name and
 * process id. Calls return cold {@code Mono}s and {@code Flux}es, as everywhere in communica. The
 * hub's refusals are {@link RequestException}s with the codes of {@link HubCodes}.
 *
 * <p>When the connection drops, subscriptions and {@link #nodeEvents()} resume by themselves once
 * it is back; the node creates its events again and resubscribes, so a restarted hub gets its
 * registry back from the nodes. Calls made while the hub is unreachable fail with the usual
 * transport errors ({@code ConnectionLostException}, {@code RequestTimeoutException}).
 *
 * @since 0.3
 */
public final class Node implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final RouteClient client;
  private final String id;
  private final String name;
  private final Serializer serializer;
  private final Duration resumeWindow;
  private final Map<String, Emission> owned = new ConcurrentHashMap<>();
  /** Subscription id to event name; the confirmed ones also in {@link #confirmed}. */
  private final Map<String, String> active = new ConcurrentHashMap<>();
  private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
  private final Sinks.Many<String> confirmations = Sinks.many().multicast().directBestEffort();
  private final Sinks.Many<Signal> signals = Sinks.many().multicast().directBestEffort();
  private final AtomicLong subCounter = new AtomicLong();
  private final AtomicLong signalsDropped = new AtomicLong();
  private volatile boolean closed;

  private Node(Builder b) {
    this.id = b.id;
    this.name = b.name;
    this.serializer = b.serializer;
    this.resumeWindow = b.resumeWindow;
    RouteClient.Builder cb = RouteClient.builder(b.connector);
    b.configure.accept(cb);
    Builder.Contacts contacts = b.contacts;
    Builder.Requests requests = b.requests;
    cb.clientId(id)
        .credentials(
            requireNonNull(
                Wire.bytes(
                    Wire.INSTANCE, new Wire.Join(name, b.pid, UUID.randomUUID().toString()))))
        .serializer(Wire.INSTANCE)
        .route(Wire.NODE_CONTACT, Handler.consumer(Wire.Message.class, m -> {
              if (contacts == null) {
                log.debug("node {} has no contact handler: contact from {} dropped", id, m.from());
              } else {
                contacts.accept(m, serializer);
              }
            }))
        .route(Wire.NODE_REQUEST, Handler.blocking(Wire.Message.class, m -> {
              if (requests == null) {
                throw new RequestException(
                    "node '" + id + "' answers no requests", RequestException.UNKNOWN_ROUTE);
              }
              return new Wire.Reply(Wire.bytes(serializer, requests.apply(m, serializer)));
            }))
        .route(Wire.NODE_SIGNAL, Handler.nonBlocking(Wire.SignalFrom.class, s -> {
              received(new Signal(s.from(), s.kind()));
              return null;
            }))
        .connectionListener(
            new ConnectionListener() {
              @Override
              public void onOpen(ConnectionInfo connection) {
                reRegister();
              }
            });
    this.client = cb.build();
  }

  /** A builder for a node joining the hub at {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  private Node start() {
    client.start();
    return this;
  }

  /** This node's id: its client id, the same after every reconnect. */
  public String id() {
    return id;
  }

  /** The name other nodes see. */
  public String name() {
    return name;
  }

  /** Completes when the node is connected to the hub: at once if it is, else when it is. */
  public Mono<Void> connected() {
    return client.connected();
  }

  /** Whether the node is connected to the hub now. */
  public boolean isConnected() {
    return client.isConnected();
  }

  // ---------------------------------------------------------------- events

  /**
   * Creates an event on the hub. Fails with {@link HubCodes#EVENT_EXISTS} (naming the owner) when
   * an event of that name exists, {@link HubCodes#LIMIT} for a name over 256 UTF-8 bytes or past
   * the hub's cap of events per node.
   */
  public Mono<Void> createEvent(String name, Emission emission) {
    requireNonNull(name, "name");
    requireNonNull(emission, "emission");
    return client
        .request(Wire.CREATE, new Wire.Create(name, emission.ordinal(), false), Wire.Count.class)
        .doOnSuccess(x -> owned.put(name, emission))
        .then();
  }

  /**
   * Dissolves an event this node created: every subscriber's {@code Flux} completes after the
   * events already buffered for it. Fails with {@link HubCodes#NO_RIGHT} for another node's event,
   * {@link HubCodes#UNKNOWN_EVENT} for no event.
   */
  public Mono<Void> dissolveEvent(String name) {
    requireNonNull(name, "name");
    return client
        .request(Wire.DISSOLVE, name, Wire.Count.class)
        .doOnSuccess(x -> owned.remove(name))
        .then();
  }

  /**
   * Emits {@code data} (encoded with this node's serializer) to the event's subscribers; the
   * {@code Mono} gives the number of subscriptions whose hub buffer took it. Fails with {@link
   * HubCodes#UNKNOWN_EVENT}, {@link HubCodes#NO_RIGHT} (a SINGLE event of another node, or a MULTI
   * event this node neither created nor subscribes to) or {@link HubCodes#LIMIT} (data over the
   * hub's limit).
   */
  public Mono<Integer> emit(String name, @Nullable Object data) {
    requireNonNull(name, "name");
    return Mono.defer(
        () ->
            client
                .request(
                    Wire.EMIT, new Wire.Emit(name, Wire.bytes(serializer, data)), Wire.Count.class)
                .map(Wire.Count::value));
  }

  /** Subscribes with the hub's default buffer and {@link Overflow#DROP_OLDEST}. */
  public <T> Flux<Event<T>> subscribe(String name, Class<T> type) {
    return subscribe(name, type, Overflow.DROP_OLDEST, 0);
  }

  /**
   * Subscribes to an event: each emission arrives as an {@link Event}, each emitter's in order.
   * The hub keeps up to {@code buffer} events (0: the hub's default) for this subscription while
   * this subscriber is slower than the emitters; past that {@code overflow} applies, and {@link
   * Event#dropped()} counts the events lost. Cancelling the {@code Flux} unsubscribes; dissolving
   * the event completes it; a lost connection does not end it (it resumes when the node is back).
   * Fails with {@link HubCodes#UNKNOWN_EVENT} when there is no such event.
   */
  public <T> Flux<Event<T>> subscribe(String name, Class<T> type, Overflow overflow, int buffer) {
    requireNonNull(name, "name");
    requireNonNull(type, "type");
    requireNonNull(overflow, "overflow");
    return Flux.defer(
        () -> {
          String subId = id + "#" + subCounter.incrementAndGet();
          Wire.Subscribe req = new Wire.Subscribe(subId, name, buffer, overflow.ordinal());
          active.put(subId, name);
          return resilient(
                  () -> client.requestStream(Wire.SUBSCRIBE, req, Wire.Delivered.class), true)
              .<Event<T>>handle(
                  (d, sink) -> {
                    Wire.Item i = d.item();
                    if (i == null) {
                      confirmed.add(subId);
                      emitSafely(confirmations, name);
                    } else {
                      sink.next(
                          new Event<>(
                              i.event(), i.emitter(), i.seq(), d.dropped(),
                              Wire.value(serializer, i.data(), type)));
                    }
                  })
              .doFinally(
                  sig -> {
                    active.remove(subId);
                    confirmed.remove(subId);
                    if (sig == SignalType.CANCEL && !closed) {
                      client
                          .request(Wire.UNSUBSCRIBE, subId, Wire.Count.class)
                          .subscribe(null, e -> log.debug("unsubscribe {}: {}", subId, e.toString()));
                    }
                  });
        });
  }

  /** The names of the events this node is subscribed to now (confirmed by the hub). */
  public Set<String> subscriptions() {
    return active.entrySet().stream()
        .filter(e -> confirmed.contains(e.getKey()))
        .map(Map.Entry::getValue)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Completes once a subscription of this node to {@code name} is confirmed by the hub. */
  public Mono<Void> whenSubscribed(String name) {
    requireNonNull(name, "name");
    return Flux.merge(
            confirmations.asFlux().filter(name::equals),
            Mono.fromCallable(() -> subscriptions().contains(name) ? name : null))
        .next()
        .then();
  }

  /** The events this node has created (and that it creates again on a new hub). */
  public Set<String> events() {
    return Set.copyOf(owned.keySet());
  }

  // ---------------------------------------------------------------- direct messages

  /**
   * Sends {@code data} to the node {@code nodeId}'s contact handler through the hub; completes when
   * the hub has passed it on. Fails with {@link HubCodes#UNKNOWN_NODE} for no such node.
   */
  public Mono<Void> contact(String nodeId, @Nullable Object data) {
    requireNonNull(nodeId, "nodeId");
    return direct(Wire.CONTACT, nodeId, -1, data, Wire.Count.class).then();
  }

  /**
   * Contacts the node whose process id is {@code pid}: fails with {@link HubCodes#UNKNOWN_NODE}
   * when no node has it, {@link HubCodes#AMBIGUOUS_PID} when more than one has.
   */
  public Mono<Void> contact(long pid, @Nullable Object data) {
    return direct(Wire.CONTACT, "", pid, data, Wire.Count.class).then();
  }

  /**
   * Requests the node {@code nodeId}'s request handler through the hub; its reply, or its {@code
   * RequestException}, comes back. Fails with {@link HubCodes#UNKNOWN_NODE} for no such node.
   */
  public <R> Mono<R> request(String nodeId, @Nullable Object data, Class<R> replyType) {
    requireNonNull(nodeId, "nodeId");
    return request0(nodeId, -1, data, replyType);
  }

  /** Requests the node whose process id is {@code pid}; see {@link #contact(long, Object)}. */
  public <R> Mono<R> request(long pid, @Nullable Object data, Class<R> replyType) {
    return request0("", pid, data, replyType);
  }

  private <R> Mono<R> request0(String target, long pid, @Nullable Object data, Class<R> type) {
    requireNonNull(type, "replyType");
    return direct(Wire.DIRECT, target, pid, data, Wire.Reply.class)
        .mapNotNull(r -> Wire.<R>value(serializer, r.data(), type));
  }

  private <X> Mono<X> direct(String route, String target, long pid, @Nullable Object data,
      Class<X> reply) {
    return Mono.defer(
        () ->
            client.request(
                route, new Wire.Direct(target, pid, Wire.bytes(serializer, data)), reply));
  }

  // ---------------------------------------------------------------- signals

  /**
   * Signals the node {@code nodeId}: no payload, only this node's id and {@code kind} (0 to
   * 65535), in a few bytes and without the serializer. Completes when the connection took it;
   * like any fire-and-forget message it is not confirmed, and the hub drops a signal to an unknown
   * node.
   */
  public Mono<Void> signal(String nodeId, int kind) {
    requireNonNull(nodeId, "nodeId");
    return signal0(nodeId, -1, kind);
  }

  /** Signals the node whose process id is {@code pid} (dropped unless exactly one node has it). */
  public Mono<Void> signal(long pid, int kind) {
    return signal0("", pid, kind);
  }

  private Mono<Void> signal0(String target, long pid, int kind) {
    if (kind < 0 || kind > 0xffff) {
      return Mono.error(new IllegalArgumentException("a signal kind is 0 to 65535: " + kind));
    }
    return client.fireAndForget(Wire.SIGNAL, new Wire.SignalTo(target, pid, kind));
  }

  /**
   * The signals other nodes send this one, from subscription on (hot). A subscriber that cannot
   * keep up misses signals rather than slowing the connection; {@link #signalsDropped()} counts
   * them.
   */
  public Flux<Signal> signals() {
    return signals.asFlux();
  }

  /** Signals no subscriber of {@link #signals()} could take. */
  public long signalsDropped() {
    return signalsDropped.get();
  }

  private void received(Signal s) {
    if (!emitSafely(signals, s)) {
      signalsDropped.incrementAndGet();
    }
  }

  private static <X> boolean emitSafely(Sinks.Many<X> sink, X value) {
    synchronized (sink) {
      return sink.tryEmitNext(value).isSuccess();
    }
  }

  // ---------------------------------------------------------------- nodes

  /** The nodes joined to the hub now (this one included). */
  public Mono<List<NodeInfo>> nodes() {
    return client.request(Wire.NODES, "", Wire.Nodes.class).map(Wire.Nodes::nodes);
  }

  /**
   * The nodes joined when the subscription reaches the hub, each as a {@code JOINED} event, then
   * nodes joining and leaving as it happens: a node that joins around the time of subscribing shows
   * exactly once, in the snapshot or after it. It resumes after a lost connection with a new
   * snapshot (so a node can show as {@code JOINED} again; leaves meanwhile are not replayed: read
   * {@link #nodes()}).
   */
  public Flux<NodeEvent> nodeEvents() {
    return resilient(() -> client.requestStream(Wire.MEMBERS, "", Wire.Member.class), false)
        .handle(
            (m, sink) -> {
              NodeInfo n = m.node();
              if (n != null) {
                sink.next(
                    new NodeEvent(
                        m.kind() == Wire.Member.JOINED ? NodeEvent.Type.JOINED : NodeEvent.Type.LEFT,
                        n));
              }
            });
  }

  /**
   * A stream that survives lost connections: it waits for the next connection and asks again. A
   * resuming subscription also retries an unknown event for the resume window, since after a hub
   * restart the event's creator may not have created it again yet.
   */
  private <X> Flux<X> resilient(Supplier<Flux<X>> stream, boolean retryUnknownEvent) {
    long[] resumeDeadline = {0};
    return Flux.defer(stream)
        .retryWhen(
            Retry.from(
                signals ->
                    signals.concatMap(
                        rs -> {
                          Throwable f = rs.failure();
                          if (closed) {
                            return Mono.error(f);
                          }
                          if (f instanceof ConnectionLostException
                              || f instanceof RequestTimeoutException) {
                            resumeDeadline[0] = System.nanoTime() + resumeWindow.toNanos();
                            return client.connected().thenReturn(1);
                          }
                          if (retryUnknownEvent
                              && f instanceof RequestException re
                              && re.code() == HubCodes.UNKNOWN_EVENT
                              && resumeDeadline[0] != 0
                              && System.nanoTime() < resumeDeadline[0]) {
                            return Mono.delay(Duration.ofMillis(50)).thenReturn(1);
                          }
                          return Mono.error(f);
                        })))
        .onErrorResume(e -> closed ? Flux.empty() : Flux.error(e));
  }

  /** A new connection: the hub may be a new one, so this node's events are created again. */
  private void reRegister() {
    owned.forEach(
        (event, emission) ->
            client
                .request(Wire.CREATE, new Wire.Create(event, emission.ordinal(), true),
                    Wire.Count.class, CallOptions.DEFAULT)
                .subscribe(
                    null, e -> log.warn("node {}: event '{}' not created again: {}", id, event,
                        e.toString())));
  }

  /**
   * Leaves the hub (it dissolves this node's SINGLE events and removes its subscriptions at once,
   * instead of after the reconnect window) and closes the connection. Subscriptions complete.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (client.isConnected()) {
      try {
        client
            .request(Wire.LEAVE, "", Wire.Count.class, Duration.ofSeconds(2))
            .onErrorResume(e -> Mono.empty())
            .block();
      } catch (RuntimeException e) {
        // the hub went away meanwhile: it will notice
      }
    }
    client.close();
    signals.tryEmitComplete();
    confirmations.tryEmitComplete();
  }

  @Override
  public String toString() {
    return "Node[" + id + " '" + name + "' at " + client.connector() + "]";
  }

  /** Builds a {@link Node}; every setter documents its default. */
  public static final class Builder {

    private final Connector connector;
    private String id = UUID.randomUUID().toString();
    private String name;
    private long pid = ProcessHandle.current().pid();
    private Serializer serializer = Serializer.defaultSerializer();
    private Duration resumeWindow = Hub.Builder.DEFAULT_RECONNECT_WINDOW;
    private @Nullable Contacts contacts;
    private @Nullable Requests requests;
    private Consumer<RouteClient.Builder> configure = b -> {};

    private Builder(Connector connector) {
      this.connector = requireNonNull(connector, "connector");
      this.name = "node-" + pid;
    }

    /** The node's id, kept across reconnects: 1 to 256 UTF-8 bytes. Default a random UUID. */
    public Builder id(String id) {
      this.id = requireNonNull(id, "id");
      return this;
    }

    /** The name other nodes see (up to 256 UTF-8 bytes). Default {@code node-<pid>}. */
    public Builder name(String name) {
      requireNonNull(name, "name");
      if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > HubCodes.MAX_NAME_BYTES) {
        throw new IllegalArgumentException("a node name has at most 256 UTF-8 bytes");
      }
      this.name = name;
      return this;
    }

    /**
     * The process id the node gives; on local sockets the hub takes the kernel's instead. Default
     * this process's.
     */
    public Builder pid(long pid) {
      this.pid = pid;
      return this;
    }

    /**
     * The serializer of event data, contacts, requests and replies (the hub's own messages have
     * theirs). All nodes that exchange data use the same. Default {@link
     * Serializer#defaultSerializer()}.
     */
    public Builder serializer(Serializer serializer) {
      this.serializer = requireNonNull(serializer, "serializer");
      return this;
    }

    /**
     * How long a subscription resuming after a lost connection retries an event the hub does not
     * know (a restarted hub waiting for the event's creator to create it again). Default 30 s.
     */
    public Builder resumeWindow(Duration window) {
      this.resumeWindow = requireNonNull(window, "window");
      return this;
    }

    /** Handles contacts from other nodes, on the blocking scheduler, in order. Default: dropped. */
    public <T> Builder onContact(Class<T> type, Consumer<? super Message<T>> handler) {
      requireNonNull(type, "type");
      requireNonNull(handler, "handler");
      this.contacts =
          (m, s) -> handler.accept(new Message<>(m.from(), Wire.<T>value(s, m.data(), type)));
      return this;
    }

    /**
     * Answers requests from other nodes, on the blocking scheduler; what it returns (null: empty)
     * goes back to the requester, a {@link RequestException} it throws too. Default: requests fail
     * with {@link RequestException#UNKNOWN_ROUTE}.
     */
    public <T> Builder onRequest(Class<T> type, Function<? super Message<T>, ?> handler) {
      requireNonNull(type, "type");
      requireNonNull(handler, "handler");
      this.requests =
          (m, s) -> handler.apply(new Message<>(m.from(), Wire.<T>value(s, m.data(), type)));
      return this;
    }

    /**
     * Sets anything else of the underlying client (timeouts, reconnect backoff, keep-alive);
     * applied before the node's own settings: client id, credentials, serializer, routes.
     */
    public Builder configure(Consumer<RouteClient.Builder> configure) {
      this.configure = requireNonNull(configure, "configure");
      return this;
    }

    /** Builds the node and starts connecting; calls made meanwhile wait for the connection. */
    public Node start() {
      return new Node(this).start();
    }

    interface Contacts {
      void accept(Wire.Message m, Serializer s);
    }

    interface Requests {
      @Nullable Object apply(Wire.Message m, Serializer s);
    }
  }
}
