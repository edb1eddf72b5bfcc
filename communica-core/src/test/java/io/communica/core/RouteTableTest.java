package io.communica.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  private static final Handler A = Handler.nonBlocking(String.class, s -> "a");
  private static final Handler B = Handler.nonBlocking(String.class, s -> "b");

  @Test
  void duplicateRouteIsAnError() {
    RouteTable t = new RouteTable().route("x", A);
    assertThatThrownBy(() -> t.route("x", B)).hasMessageContaining("'x' already has a handler");
  }

  @Test
  void joinRefusesClashesAndAddsNothingThen() {
    RouteTable main = new RouteTable().route("x", A).route("y", A);
    RouteTable other = new RouteTable().route("y", B).route("z", B);
    assertThatThrownBy(() -> main.join(other)).hasMessageContaining("[y]");
    assertThat(main.routes()).containsOnlyKeys("x", "y");
    main.joinOverriding(other);
    assertThat(main.routes()).containsOnlyKeys("x", "y", "z");
    assertThat(main.routes().get("y")).isSameAs(B);
    RouteTable fresh = new RouteTable().route("w", A).join(new RouteTable().route("v", B));
    assertThat(List.copyOf(fresh.routes().keySet())).containsExactly("w", "v");
  }

  @Test
  void copyIsIndependent() {
    RouteTable t = new RouteTable().route("x", A);
    RouteTable c = t.copy().route("y", B);
    assertThat(t.routes()).containsOnlyKeys("x");
    assertThat(c.routes()).containsOnlyKeys("x", "y");
  }

  @Test
  void typeRefCapturesGenerics() {
    TypeRef<List<String>> ref = new TypeRef<>() {};
    assertThat(ref.type().getTypeName()).isEqualTo("java.util.List<java.lang.String>");
    assertThat(TypeRef.of(String.class).type()).isEqualTo(String.class);
  }
}
