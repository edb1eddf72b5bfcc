package io.communica.bench.stacks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.ByteBufPayload;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;

/**
 * RSocket-java 1.1.5 over TCP, configured for its best showing: zero-copy payload decoding on both
 * sides (payloads are reference-counted buffers, released by whoever consumes them), request
 * payloads wrapping the caller's array without a copy, the echo handler returning the received
 * payload as the reply.
 */
final class RSocketStack implements Stack {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Idle connections opened at most this many at a time. */
  private static final int OPENING = 64;

  private final boolean ownClassPath;

  /**
   * {@code ownClassPath}: {@code rsocket}, run on the class path RSocket's users get (its Netty 4.1
   * line); else {@code rsocket-shared}, on this project's Netty 4.2.
   */
  RSocketStack(boolean ownClassPath) {
    this.ownClassPath = ownClassPath;
  }

  @Override
  public String name() {
    return ownClassPath ? "rsocket" : "rsocket-shared";
  }

  @Override
  public boolean ownClassPath() {
    return ownClassPath;
  }

  @Override
  public Set<String> transports() {
    return Set.of("tcp");
  }

  @Override
  public BenchServer serve(String bind, LongAdder received) {
    URI uri = URI.create(bind);
    AtomicLong connections = new AtomicLong();
    RSocket handler =
        new RSocket() {
          @Override
          public Mono<Payload> requestResponse(Payload p) {
            ByteBuf d = p.sliceData();
            if (d.readableBytes() == 1 && d.getByte(d.readerIndex()) == 0) {
              p.release();
              return Mono.just(ByteBufPayload.create(Snapshot.take(received.sum()).encode()));
            }
            if (d.readableBytes() == 2 && d.getByte(d.readerIndex()) == 1) {
              byte how = d.getByte(d.readerIndex() + 1);
              p.release();
              return Mono.just(
                  ByteBufPayload.create(Memory.take(connections.get(), how).encode()));
            }
            received.increment();
            return Mono.just(p);
          }

          @Override
          public Flux<Payload> requestStream(Payload p) {
            byte[] item = ByteBufUtil.getBytes(p.sliceData());
            p.release();
            return Flux.generate(sink -> sink.next(ByteBufPayload.create(item)));
          }

          @Override
          public Mono<Void> fireAndForget(Payload p) {
            received.increment();
            p.release();
            return Mono.empty();
          }
        };
    CloseableChannel channel =
        RSocketServer.create(
                (setup, peer) -> {
                  // a connection counts once its SETUP was accepted, until it closes
                  connections.incrementAndGet();
                  peer.onClose().doFinally(x -> connections.decrementAndGet()).subscribe();
                  return Mono.just(handler);
                })
            .payloadDecoder(PayloadDecoder.ZERO_COPY)
            .bind(TcpServerTransport.create(uri.getHost(), uri.getPort()))
            .block(TIMEOUT);
    if (channel == null) {
      throw new IllegalStateException("RSocket server did not bind");
    }
    InetSocketAddress a = channel.address();
    return BenchServer.of(
        () -> "tcp://" + a.getAddress().getHostAddress() + ":" + a.getPort(), channel::dispose);
  }

  @Override
  public boolean streams() {
    return true;
  }

  @Override
  public boolean reactive() {
    return true;
  }

  @Override
  public boolean memoryModes() {
    return true;
  }

  @Override
  public BenchClient connect(String address) {
    return new Client(address);
  }

  private static Mono<RSocket> connectOnce(String address) {
    URI uri = URI.create(address);
    return RSocketConnector.create()
        .payloadDecoder(PayloadDecoder.ZERO_COPY)
        .connect(TcpClientTransport.create(uri.getHost(), uri.getPort()));
  }

  /**
   * As {@link #connectOnce}, on a connection of its own: {@code TcpClientTransport.create(host,
   * port)} takes its connections from Reactor Netty's shared pool, which holds a few dozen at most
   * and makes any further connect wait for one to be released (45 s, then it fails): thousands of
   * RSocket connections from one JVM need {@code TcpClient.newConnection()}.
   */
  private static Mono<RSocket> connectUnpooled(String address) {
    URI uri = URI.create(address);
    return RSocketConnector.create()
        .payloadDecoder(PayloadDecoder.ZERO_COPY)
        .connect(
            TcpClientTransport.create(
                TcpClient.newConnection().host(uri.getHost()).port(uri.getPort())));
  }

  private static RSocket rsocket(String address) {
    RSocket r = connectOnce(address).block(TIMEOUT);
    if (r == null) {
      throw new IllegalStateException("RSocket did not connect to " + address);
    }
    return r;
  }

  private static Payload payload(byte[] data) {
    return ByteBufPayload.create(Unpooled.wrappedBuffer(data));
  }

  private static final class Client implements BenchClient {
    private final String address;
    private final RSocket data;
    private final RSocket control;

    Client(String address) {
      this.address = address;
      data = rsocket(address);
      control = rsocket(address);
    }

    @Override
    public void roundTrip(byte[] payload) {
      Payload reply = data.requestResponse(payload(payload)).block(TIMEOUT);
      if (reply != null) {
        reply.release();
      }
    }

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) {
      for (int i = 0; i < inFlight; i++) {
        data.requestResponse(payload(payload)).subscribe(new Chain(data, payload, meter));
      }
    }

    @Override
    public void startStream(byte[] payload, Meter meter) {
      data.requestStream(payload(payload))
          .subscribe(
              new Subscribers.Batched<Payload>(meter) {
                @Override
                void release(Payload item) {
                  item.release();
                }
              });
    }

    @Override
    public void startFlatMap(byte[] payload, int inFlight, Meter meter) {
      Flux.range(0, Integer.MAX_VALUE)
          .flatMap(i -> data.requestResponse(payload(payload)), inFlight)
          .takeWhile(
              reply -> {
                reply.release();
                return !meter.stopped();
              })
          .subscribe(reply -> meter.add(1), meter::fail);
    }

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception {
      while (backlog.permits(1) > 0) {
        data.fireAndForget(payload(payload)).subscribe(new Taken(meter));
        backlog.sent(1);
      }
    }

    @Override
    public AutoCloseable openIdle(int n, Runnable opened) {
      // RSocket connections as users make them, OPENING at a time
      Queue<RSocket> sockets = new ConcurrentLinkedQueue<>();
      try {
        Flux.range(0, n)
            .flatMap(i -> connectUnpooled(address).doOnNext(r -> {
              sockets.add(r);
              opened.run();
            }), OPENING)
            .blockLast(Duration.ofMinutes(30));
      } catch (RuntimeException e) {
        sockets.forEach(RSocket::dispose);
        throw e;
      }
      return () -> sockets.forEach(RSocket::dispose);
    }

    @Override
    public Memory serverMemory(byte how) {
      Payload reply =
          control
              .requestResponse(payload(Stack.memoryRequest(how)))
              .block(Duration.ofSeconds(120));
      if (reply == null) {
        throw new IllegalStateException("empty memory reply");
      }
      try {
        return Memory.decode(ByteBufUtil.getBytes(reply.sliceData()));
      } finally {
        reply.release();
      }
    }

    @Override
    public Snapshot serverSnapshot() {
      Payload reply = control.requestResponse(payload(Stack.CONTROL)).block(TIMEOUT);
      if (reply == null) {
        throw new IllegalStateException("empty snapshot reply");
      }
      try {
        return Snapshot.decode(ByteBufUtil.getBytes(reply.sliceData()));
      } finally {
        reply.release();
      }
    }

    @Override
    public void close() {
      data.dispose();
      control.dispose();
    }
  }

  /** Counts a fire-and-forget message once RSocket took it. */
  private static final class Taken extends Subscribers.Counted<Void> {
    Taken(Meter meter) {
      super(meter);
    }
  }

  /** One request: releases and counts its reply and sends the next one unless the meter stopped. */
  private static final class Chain extends Subscribers.Counted<Payload> {
    private final RSocket rsocket;
    private final byte[] payload;

    Chain(RSocket rsocket, byte[] payload, Meter meter) {
      super(meter);
      this.rsocket = rsocket;
      this.payload = payload;
    }

    @Override
    public void onNext(@Nullable Payload reply) {
      if (reply != null) {
        reply.release();
      }
    }

    @Override
    void afterComplete() {
      if (!meter.stopped()) {
        rsocket.requestResponse(payload(payload)).subscribe(new Chain(rsocket, payload, meter));
      }
    }
  }
}
