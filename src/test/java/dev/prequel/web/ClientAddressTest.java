package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

  private final ClientAddress behindBalancer = ClientAddress.trusting("10.0.0.0/8, 192.168.1.10");

  @Test
  void withoutTrustedProxiesTheHeaderIsIgnored() {
    ClientAddress direct = ClientAddress.trusting(null);

    assertThat(direct.of("203.0.113.7", "198.51.100.1")).isEqualTo("203.0.113.7");
  }

  @Test
  void aClientConnectingDirectlyCannotPickItsAddressWithTheHeader() {
    assertThat(behindBalancer.of("203.0.113.7", "198.51.100.1")).isEqualTo("203.0.113.7");
  }

  @Test
  void throughATrustedProxyTheAddressItSawCounts() {
    assertThat(behindBalancer.of("10.1.2.3", "203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void addressesTheClientWroteLeftOfWhatOurProxiesAddedAreIgnored() {
    assertThat(behindBalancer.of("10.1.2.3", "1.1.1.1, 203.0.113.7, 192.168.1.10"))
        .as("the balancer (10.1.2.3) was reached by 192.168.1.10, which saw 203.0.113.7")
        .isEqualTo("203.0.113.7");
  }

  @Test
  void somethingThatIsNotAnAddressFromATrustedProxyCountsAsTheProxy() {
    assertThat(behindBalancer.of("10.1.2.3", "example.com")).isEqualTo("10.1.2.3");
    assertThat(behindBalancer.of("10.1.2.3", "")).isEqualTo("10.1.2.3");
  }

  @Test
  void ipv6AddressesAreUnderstood() {
    ClientAddress v6 = ClientAddress.trusting("fd00::/8");

    assertThat(v6.of("fd00::1", "[2001:db8::5]")).isEqualTo("2001:db8:0:0:0:0:0:5");
  }

  @Test
  void aSettingThatIsNotAnAddressIsRefusedWithItsValue() {
    assertThatThrownBy(() -> ClientAddress.trusting("10.0.0.0/8, load-balancer"))
        .hasMessageContaining("'load-balancer' is not an address");
  }
}
