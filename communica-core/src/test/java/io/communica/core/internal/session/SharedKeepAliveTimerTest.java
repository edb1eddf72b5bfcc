package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sessions whose connections belong to one event loop keep their keep-alives in that loop's one
 * timer ({@link LoopTimer}), not in a task each, and take them out when they close.
 */
@Timeout(20)
class SharedKeepAliveTimerTest {

  private final DefaultEventExecutor clientLoop = new DefaultEventExecutor();
  private final DefaultEventExecutor serverLoop = new DefaultEventExecutor();

  @AfterEach
  void stop() {
    clientLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    serverLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static int waiting(EventExecutor loop) throws Exception {
    return loop.submit(() -> LoopTimer.ofThisLoop().size()).get(10, TimeUnit.SECONDS);
  }

  private static List<Session> opened(List<RecordingOwner> owners) throws Exception {
    List<Session> sessions = new ArrayList<>();
    for (RecordingOwner owner : owners) {
      sessions.add(owner.opened.get(10, TimeUnit.SECONDS));
    }
    return sessions;
  }

  /** How many of {@code sessions} have a keep-alive task of their own, read on their loop. */
  private static long ownTasks(EventExecutor loop, List<Session> sessions) throws Exception {
    return loop.submit(() -> sessions.stream().filter(s -> s.keepAlive().hasOwnTask()).count())
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void theKeepAlivesOfALoopsSessionsWaitInItsTimerUntilTheirSessionsClose() throws Exception {
    int n = 5;
    Routes routes = new Routes(Map.of(), new io.communica.core.Utf8Serializer());
    SessionSettings settings = TestSettings.withCapabilities(0);
    List<RecordingOwner> clientOwners = new ArrayList<>();
    List<RecordingOwner> serverOwners = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RecordingOwner client = new RecordingOwner();
      RecordingOwner server = new RecordingOwner();
      PipeConnection.pair(
          clientLoop, conn -> Session.client(conn, settings, routes, client),
          serverLoop, conn -> Session.server(conn, settings, routes, server));
      clientOwners.add(client);
      serverOwners.add(server);
    }
    List<Session> clients = opened(clientOwners);
    List<Session> servers = opened(serverOwners);
    assertThat(waiting(clientLoop)).as("keep-alives in the client loop's timer").isEqualTo(n);
    assertThat(waiting(serverLoop)).as("keep-alives in the server loop's timer").isEqualTo(n);
    assertThat(ownTasks(clientLoop, clients)).as("keep-alives with a task of their own").isZero();
    assertThat(ownTasks(serverLoop, servers)).as("keep-alives with a task of their own").isZero();

    for (Session s : clients) {
      s.close("done");
    }
    for (RecordingOwner owner : clientOwners) {
      owner.closed.get(10, TimeUnit.SECONDS);
    }
    for (RecordingOwner owner : serverOwners) {
      owner.closed.get(10, TimeUnit.SECONDS);
    }
    assertThat(waiting(clientLoop)).isZero();
    assertThat(waiting(serverLoop)).isZero();
  }
}
