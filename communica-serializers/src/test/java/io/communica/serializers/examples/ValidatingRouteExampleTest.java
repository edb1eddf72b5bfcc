package io.communica.serializers.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidatingRouteExampleTest {

  @Test
  void theServerRefusesBadOrdersReadablyAndTheHandlerSeesOnlyTheGoodOne() {
    assertThat(ValidatingRouteExample.run())
        .containsExactly(
            "handler: placing an order for ann",
            "accepted: total 900 cents",
            "refused (code -2): cannot decode the request for route 'orders/place' as "
                + "io.communica.serializers.examples.ValidatingRouteExample$PlaceOrder: invalid "
                + "io.communica.serializers.examples.ValidatingRouteExample$PlaceOrder (4 violations):\n"
                + "  customer: must not be blank\n"
                + "  lines[1].priceCents: must be greater than 0\n"
                + "  lines[1].quantity: must be greater than 0\n"
                + "  lines[1].sku: must not be blank",
            "  field 'customer' must not be blank",
            "  field 'lines[1].priceCents' must be greater than 0",
            "  field 'lines[1].quantity' must be greater than 0",
            "  field 'lines[1].sku' must not be blank",
            "refused: cannot decode the request for route 'orders/place' as "
                + "io.communica.serializers.examples.ValidatingRouteExample$PlaceOrder: cannot decode "
                + "json as io.communica.serializers.examples.ValidatingRouteExample$PlaceOrder (1 violation):\n"
                + "  coupon: unknown property (known: customer, lines)");
  }
}
