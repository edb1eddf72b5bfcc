package io.communica.hub;

import io.communica.core.CommunicaException;
import io.communica.core.Connector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A node in a child JVM, driven line by line on its standard input; it reports on its standard
 * output. Arguments: connector, node id. Commands (one per line): {@code create <event>
 * <SINGLE|MULTI>}, {@code dissolve <event>}, {@code sub <event>}, {@code unsub <event>}, {@code
 * emit <event> <count>} (data "1".."count", in order), {@code emituntil <event> <accepted>} (emits
 * "again" until that many buffers took it), {@code contact|request <node> <data>}, {@code
 * contactpid|requestpid <pid> <data>}, {@code signal <node> <kind>}, {@code members} (OK once the snapshot of
 * the joined nodes arrived, so that later joins and leaves are shown). It prints
 * {@code READY <pid>} once connected, {@code OK <command>}, {@code ERR <code> <message>}, and what
 * it receives: {@code EVENT <event> <emitter> <seq> <dropped> <data>}, {@code COMPLETE <event>},
 * {@code CONTACT <from> <data>}, {@code SIGNAL <from> <kind>}, {@code JOINED|LEFT <node>}.
 */
public final class NodeProcess {

  private NodeProcess() {}

  public static void main(String[] args) throws Exception {
    String id = args[1];
    Node node =
        Node.builder(Connector.load(args[0]))
            .id(id)
            .name("process-" + id)
            .configure(c -> c.reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))
            .onContact(String.class, m -> out("CONTACT " + m.from() + " " + m.data()))
            .onRequest(String.class, m -> id + " got " + m.data())
            .start();
    node.signals().subscribe(s -> out("SIGNAL " + s.sender() + " " + s.kind()));
    node.connected().block(Duration.ofSeconds(20));
    out("READY " + ProcessHandle.current().pid());
    Map<String, Disposable> subs = new ConcurrentHashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.split(" ", 3);
      try {
        switch (w[0]) {
          case "create" -> ok(line, node.createEvent(w[1], Emission.valueOf(w[2])));
          case "dissolve" -> ok(line, node.dissolveEvent(w[1]));
          case "sub" -> {
            subs.put(w[1], node.subscribe(w[1], String.class).subscribe(
                e -> out("EVENT " + e.event() + " " + e.emitter() + " " + e.sequence() + " "
                    + e.dropped() + " " + e.data()),
                e -> out("ERR " + code(e) + " " + e.getMessage()),
                () -> out("COMPLETE " + w[1])));
            ok(line, node.whenSubscribed(w[1]));
          }
          case "unsub" -> {
            subs.remove(w[1]).dispose();
            out("OK " + line);
          }
          case "emit" -> {
            Integer accepted =
                Flux.range(1, Integer.parseInt(w[2]))
                    .concatMap(i -> node.emit(w[1], String.valueOf(i)))
                    .reduce(0, Integer::sum)
                    .block(Duration.ofSeconds(30));
            out("EMITTED " + w[1] + " " + accepted);
          }
          case "emituntil" -> {
            int want = Integer.parseInt(w[2]);
            Mono.defer(() -> node.emit(w[1], "again"))
                .filter(n -> n >= want)
                .repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(50)))
                .retryWhen(reactor.util.retry.Retry.fixedDelay(600, Duration.ofMillis(50)))
                .block(Duration.ofSeconds(30));
            out("OK " + line);
          }
          case "contact" -> ok(line, node.contact(w[1], w[2]));
          case "contactpid" -> ok(line, node.contact(Long.parseLong(w[1]), w[2]));
          case "request" -> out("REPLY " + node.request(w[1], w[2], String.class).block(T));
          case "requestpid" ->
              out("REPLY " + node.request(Long.parseLong(w[1]), w[2], String.class).block(T));
          case "signal" -> ok(line, node.signal(w[1], Integer.parseInt(w[2])));
          case "members" -> {
            // OK once the first event (the snapshot, which holds this node) arrived: the hub has
            // the stream then, so joins and leaves after the OK are shown
            CompletableFuture<Void> live = new CompletableFuture<>();
            node.nodeEvents().subscribe(e -> {
              out(e.type() + " " + e.node().id());
              live.complete(null);
            });
            ok(line, Mono.fromFuture(live));
          }
          default -> out("ERR 0 unknown command " + line);
        }
      } catch (RuntimeException e) {
        out("ERR " + code(e) + " " + e.getMessage());
      }
    }
    node.close();
    System.exit(0);
  }

  private static final Duration T = Duration.ofSeconds(20);

  private static void ok(String line, Mono<?> call) {
    call.block(T);
    out("OK " + line);
  }

  private static int code(Throwable e) {
    return e instanceof CommunicaException c ? c.code() : 0;
  }

  private static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
