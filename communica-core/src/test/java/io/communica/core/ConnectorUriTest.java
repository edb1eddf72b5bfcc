package io.communica.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.transport.ConnectorUri;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConnectorUriTest {

  @Test
  void parsesEveryPart() {
    ConnectorUri u = ConnectorUri.parse("amqp://guest:pw@127.0.0.1:5672/%2F?address=billing&x=a%20b");
    assertThat(u.scheme()).isEqualTo("amqp");
    assertThat(u.userInfo()).isEqualTo("guest:pw");
    assertThat(u.host()).isEqualTo("127.0.0.1");
    assertThat(u.port()).isEqualTo(5672);
    assertThat(u.path()).isEqualTo("//");
    assertThat(u.params()).containsEntry("address", "billing").containsEntry("x", "a b");
    ConnectorUri unix = ConnectorUri.parse("unix:///run/user/1000/app.sock");
    assertThat(unix.host()).isNull();
    assertThat(unix.path()).isEqualTo("/run/user/1000/app.sock");
    assertThat(ConnectorUri.parse("tcp://[::1]:80").host()).isEqualTo("::1");
  }

  @Test
  void encodeAndDecodeAreInverse() {
    String value = "/tmp/dir with spaces/ünïcødé?&=#%.sock";
    String encoded = ConnectorUri.encode(value);
    assertThat(encoded).matches("[A-Za-z0-9%/._~-]+");
    assertThat(ConnectorUri.parse("x://h:1?p=" + encoded).param("p")).isEqualTo(value);
  }

  @Test
  void rejectsMalformedStrings() {
    assertThatThrownBy(() -> ConnectorUri.parse("no-scheme")).hasMessageContaining("scheme://");
    assertThatThrownBy(() -> ConnectorUri.parse("TCP://h:1")).hasMessageContaining("lowercase");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1 ")).hasMessageContaining("0x20");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1?a=1&a=2")).hasMessageContaining("twice");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1?a=%zz")).hasMessageContaining("percent");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1?a=%2")).hasMessageContaining("truncated");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://[::1:80")).hasMessageContaining("unclosed");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1#frag")).hasMessageContaining("fragment");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1?=v")).hasMessageContaining("empty option");
    assertThatThrownBy(() -> ConnectorUri.parse("tcp://h:1?a=1").requireOnly(Set.of("b")))
        .hasMessageContaining("unknown option 'a'");
  }

  @Test
  void loadNamesTheModuleToAdd() {
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1:5672?address=x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.communica:communica-amqp");
    assertThatThrownBy(() -> Connector.load("unix:///tmp/a.sock"))
        .hasMessageContaining("io.communica:communica-local");
    assertThatThrownBy(() -> Connector.load("carrier-pigeon://coop:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown scheme 'carrier-pigeon'")
        .hasMessageNotContaining("did you mean");
  }

  @Test
  void aMistypedSchemeIsABadStringWithTheClosestKnownOne() {
    assertThatThrownBy(() -> Connector.load("tpc://127.0.0.1:8000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown scheme 'tpc'")
        .hasMessageContaining("did you mean 'tcp'?");
    assertThatThrownBy(() -> Connector.load("amqb://h?address=a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("did you mean 'amqp'?");
    assertThatThrownBy(() -> Connector.load("stdoi://"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("did you mean 'stdio'?");
  }

  @Test
  void secretsAreRedactedFromMessagesAndToString() {
    assertThat(ConnectorUri.redact("amqp://guest:s3cret@h:5672/%2F?address=a"))
        .isEqualTo("amqp://guest:***@h:5672/%2F?address=a");
    assertThat(ConnectorUri.redact("tcp://h:1?tls=true&keyPassword=s3cret&apiToken=t0k&passwordEnv=PW"))
        .isEqualTo("tcp://h:1?tls=true&keyPassword=***&apiToken=***&passwordEnv=PW");
    assertThat(ConnectorUri.redact("amqp://user@h?address=a")).isEqualTo("amqp://user@h?address=a");
    assertThat(ConnectorUri.parse("amqp://u:s3cret@h?address=a").toString()).doesNotContain("s3cret");
    assertThatThrownBy(() -> ConnectorUri.parse("amqp://u:s3cret@h?address=a&x=%zz"))
        .hasMessageContaining("u:***@h")
        .hasMessageNotContaining("s3cret");
  }
}
