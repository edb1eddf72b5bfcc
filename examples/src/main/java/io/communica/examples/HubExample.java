package io.communica.examples;

import io.communica.core.Connector;
import io.communica.examples.Messages.Reading;
import io.communica.hub.Emission;
import io.communica.hub.Event;
import io.communica.hub.Hub;
import io.communica.hub.Node;
import io.communica.hub.NodeEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;

/**
 * A hub with three nodes: a producer that creates an event and emits readings, a logger subscribed
 * to it, and a signal listener the producer signals when it is done. In a real deployment each
 * node is its own process started with the hub's connector string (and the hub itself can be
 * {@code java -cp ... io.communica.hub.HubMain tcp://127.0.0.1:54121}); here they share this JVM.
 *
 * <p>It is scenario 11 of the demo ({@code ./mvnw -q -B -DskipTests -pl examples -am package
 * exec:exec@demo}).
 */
public final class HubExample {

  /** The signal kind "batch done". */
  static final int DONE = 1;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private HubExample() {}

  /** What the run showed. */
  record Outcome(List<Event<Reading>> logged, boolean inOrder, int signals, boolean leftSeen) {}

  public static void main(String[] args) throws Exception {
    Outcome o = run(Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:0"), 5);
    System.exit(o.logged().size() == 5 && o.signals() == 1 ? 0 : 1);
  }

  static Outcome run(Connector connector, int readings) throws Exception {
    try (Hub hub = Hub.builder(connector).start();
        Node logger = Node.builder(hub.connector()).id("logger").name("logger").start();
        Node listener = Node.builder(hub.connector()).id("listener").name("listener").start()) {
      Node producer = Node.builder(hub.connector()).id("sensor-1").name("sensor").start();
      System.out.println("   hub on " + hub.connector());

      // the producer creates its event: only it may emit (SINGLE)
      producer.createEvent("temperature", Emission.SINGLE).block(TIMEOUT);

      // the logger subscribes to the producer's events and watches nodes come and go
      List<Event<Reading>> logged = new CopyOnWriteArrayList<>();
      CountDownLatch all = new CountDownLatch(readings);
      logger
          .subscribe("temperature", Reading.class)
          .subscribe(e -> {
            System.out.println("   logger: " + e.emitter() + " #" + e.sequence() + " "
                + e.data().celsius() + " C");
            logged.add(e);
            all.countDown();
          });
      logger.whenSubscribed("temperature").block(TIMEOUT);
      CountDownLatch left = new CountDownLatch(1);
      CountDownLatch watching = new CountDownLatch(1);
      logger.nodeEvents()
          .doOnNext(n -> watching.countDown()) // the snapshot of the joined nodes: the hub has it
          .filter(n -> n.type() == NodeEvent.Type.LEFT && n.node().id().equals("sensor-1"))
          .subscribe(n -> {
            System.out.println("   logger: " + n.node().name() + " left");
            left.countDown();
          });
      watching.await(30, TimeUnit.SECONDS);

      // the listener counts signals: no payload, only who and what kind
      AtomicInteger signals = new AtomicInteger();
      CountDownLatch signalled = new CountDownLatch(1);
      listener.signals().subscribe(s -> {
        System.out.println("   listener: signal " + s.kind() + " from " + s.sender());
        signals.incrementAndGet();
        signalled.countDown();
      });
      listener.connected().block(TIMEOUT);

      // the producer emits its readings, then signals the listener
      Integer reached =
          Flux.range(1, readings)
              .concatMap(i -> producer.emit("temperature", new Reading("sensor-1", 20 + i * 0.5)))
              .reduce(0, Integer::sum)
              .block(TIMEOUT);
      System.out.println("   producer: " + readings + " readings reached " + reached
          + " subscription buffers");
      producer.signal("listener", DONE).block(TIMEOUT);

      boolean got = all.await(30, TimeUnit.SECONDS) & signalled.await(30, TimeUnit.SECONDS);
      producer.close(); // leaves the hub: its SINGLE event is dissolved, the logger sees it go
      boolean leftSeen = left.await(30, TimeUnit.SECONDS);
      boolean inOrder = got;
      for (int i = 0; i < logged.size(); i++) {
        inOrder &= logged.get(i).sequence() == i + 1;
      }
      return new Outcome(logged, inOrder, signals.get(), leftSeen);
    }
  }
}
