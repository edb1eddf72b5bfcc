package io.communica.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.tcp.TcpConnector;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A hub with node processes (child JVMs) over TCP: what the tests ask of processes. */
@Timeout(120)
class HubProcessesTest {

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <C extends AutoCloseable> C keep(C c) {
    open.add(c);
    return c;
  }

  private Hub hub(Duration window) {
    return keep(Hub.builder(TcpConnector.of("127.0.0.1", 0)).reconnectWindow(window).start());
  }

  @Test
  void threeNodeProcesses() throws Exception {
    Hub hub = hub(Duration.ofSeconds(30));
    String at = hub.connector().dump();
    Child[] abc = Child.nodes(at, this::keep, "a", "b", "c");
    Child a = abc[0];
    Child b = abc[1];
    Child c = abc[2];
    assertThat(hub.nodes()).extracting(NodeInfo::pid)
        .containsExactlyInAnyOrder(a.pid, b.pid, c.pid);

    a.ok("create ticks SINGLE");
    b.ok("sub ticks");
    c.ok("sub ticks");
    a.send("emit ticks 200");
    assertThat(a.await("EMITTED ticks ")).isEqualTo("400");
    for (Child sub : List.of(b, c)) {
      for (int i = 1; i <= 200; i++) {
        assertThat(sub.await("EVENT ticks ")).isEqualTo("a " + i + " 0 " + i);
      }
    }
    // rights, duplicates, unknown names
    b.send("create ticks MULTI");
    assertThat(b.await("ERR ")).startsWith(HubCodes.EVENT_EXISTS + " ").contains("node 'a'");
    b.send("emit ticks 1");
    assertThat(b.await("ERR ")).startsWith(HubCodes.NO_RIGHT + " ");
    b.send("emit nothing 1");
    assertThat(b.await("ERR ")).startsWith(HubCodes.UNKNOWN_EVENT + " ");
    a.send("request nobody q");
    assertThat(a.await("ERR ")).startsWith(HubCodes.UNKNOWN_NODE + " ");

    // contact and request by id and by pid
    a.ok("contact b hello");
    assertThat(b.await("CONTACT ")).isEqualTo("a hello");
    a.ok("contactpid " + c.pid + " by-pid");
    assertThat(c.await("CONTACT ")).isEqualTo("a by-pid");
    a.send("request b q1");
    assertThat(a.await("REPLY ")).isEqualTo("b got q1");
    a.send("requestpid " + c.pid + " q2");
    assertThat(a.await("REPLY ")).isEqualTo("c got q2");
    a.send("requestpid 999999999 q3");
    assertThat(a.await("ERR ")).startsWith(HubCodes.UNKNOWN_NODE + " ");

    // signals
    c.ok("signal b 7");
    assertThat(b.await("SIGNAL ")).isEqualTo("c 7");

    // unsubscribe, then dissolve completes the subscriber that is left
    c.ok("unsub ticks");
    // the unsubscribe is a message of its own: emits reach one buffer once it arrived
    a.ok("emituntil ticks 1");
    a.ok("dissolve ticks");
    assertThat(b.await("COMPLETE ")).isEqualTo("ticks");
  }

  @Test
  void aKilledNodeIsGoneAfterItsWindow() throws Exception {
    Hub hub = hub(Duration.ofSeconds(1));
    String at = hub.connector().dump();
    Child[] ab = Child.nodes(at, this::keep, "a", "b");
    Child a = ab[0];
    Child b = ab[1];
    b.ok("members"); // OK once the hub has b's membership stream (its snapshot arrived)
    a.ok("create a.single SINGLE");
    a.ok("create a.multi MULTI");
    b.ok("sub a.single");
    b.ok("sub a.multi");
    a.kill();
    // within the window a is still there, disconnected; after it, gone with its SINGLE event
    assertThat(b.await("COMPLETE ")).isEqualTo("a.single");
    assertThat(b.await("LEFT ")).isEqualTo("a");
    assertThat(hub.nodes()).extracting(NodeInfo::id).containsExactly("b");
    // the MULTI event stays: its subscriber emits it
    b.send("emit a.multi 1");
    assertThat(b.await("EMITTED a.multi ")).isEqualTo("1");
  }

  @Test
  void aNodeRestartedUnderItsIdStartsAfresh() throws Exception {
    Hub hub = hub(Duration.ofSeconds(30));
    String at = hub.connector().dump();
    Node a = keep(Node.builder(hub.connector()).id("a").start());
    a.createEvent("e", Emission.SINGLE).block(Child.T);
    Child b = keep(Child.node(at, "b"));
    b.ok("sub e");
    assertThat(a.emit("e", "1").block(Child.T)).isEqualTo(1);
    b.kill();
    // the same id from a new process: the old subscription is not kept for it
    Child again = keep(Child.node(at, "b"));
    assertThat(a.emit("e", "2").block(Child.T)).isZero();
    again.ok("sub e");
    assertThat(a.emit("e", "3").block(Child.T)).isEqualTo(1);
    assertThat(again.await("EVENT e a ")).endsWith(" 3");
    assertThat(hub.nodes()).extracting(NodeInfo::pid).contains(again.pid).doesNotContain(b.pid);
  }

  @Test
  void reconnectingWithinTheWindowKeepsSubscriptionsAndWhatWasBuffered() throws Exception {
    Hub hub = hub(Duration.ofSeconds(30));
    int port = Integer.parseInt(hub.connector().dump().replaceAll(".*:", ""));
    Relay relay = keep(new Relay(port));
    Node a = keep(Node.builder(hub.connector()).id("a").start());
    Node b =
        keep(
            Node.builder(TcpConnector.of("127.0.0.1", relay.port()))
                .id("b")
                .configure(x -> x.reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100)))
                .start());
    a.createEvent("e", Emission.SINGLE).block(Child.T);
    BlockingQueue<Object> atB = HubSuite.subscribe(b, "e", Integer.class);
    assertThat(a.emit("e", 1).block(Child.T)).isEqualTo(1);
    assertThat(HubSuite.<Integer>next(atB).data()).isEqualTo(1);

    relay.cut(true);
    HubSuite.await("b disconnected", () -> hub.nodes().stream()
        .anyMatch(n -> n.id().equals("b") && !n.connected()));
    for (int i = 2; i <= 6; i++) {
      assertThat(a.emit("e", i).block(Child.T)).isEqualTo(1); // buffered for b
    }
    assertThat(hub.buffered("e")).containsEntry("b", 5);
    relay.admit();
    for (int i = 2; i <= 6; i++) {
      Event<Integer> e = HubSuite.next(atB);
      assertThat(e.data()).isEqualTo(i);
      assertThat(e.sequence()).isEqualTo(i);
    }
    assertThat(b.subscriptions()).containsExactly("e");
  }

  @Test
  void aRestartedHubGetsItsNodesBack() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String at = "tcp://127.0.0.1:" + port;
    Child hub = keep(Child.hub(at, "30"));
    Child[] abc = Child.nodes(at, this::keep, "a", "b", "c");
    Child a = abc[0];
    Child b = abc[1];
    Child c = abc[2];
    a.ok("create pulse SINGLE");
    b.ok("sub pulse");
    c.ok("sub pulse");
    a.send("emit pulse 1");
    assertThat(a.await("EMITTED pulse ")).isEqualTo("2");
    assertThat(b.await("EVENT pulse ")).isEqualTo("a 1 0 1");
    assertThat(c.await("EVENT pulse ")).isEqualTo("a 1 0 1");

    hub.kill();
    Child again = keep(Child.hub(at, "30"));
    // a creates its event again, b and c resubscribe: an emit reaches both once they have
    a.ok("emituntil pulse 2");
    assertThat(b.await("EVENT pulse a ")).endsWith(" again");
    assertThat(c.await("EVENT pulse a ")).endsWith(" again");
    Connector.load(at); // the address is unchanged
    assertThat(again.pid).isNotEqualTo(hub.pid);
  }
}
