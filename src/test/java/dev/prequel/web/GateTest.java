package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GateTest {

  @Test
  void nextIsOnlyEverAPathOnThisPortal() {
    for (String evil :
        new String[] {
          "//evil.example",
          "/\t/evil.example",
          "/\n/evil.example",
          "/\r\n/evil.example",
          "/\\evil.example",
          "\\\\evil.example",
          "/ /evil.example",
          "https://evil.example",
          "https:evil.example",
          "javascript:alert(1)",
          "evil.example",
          "/\u0000/evil",
          "/\u00a0/evil",
          "/interviews\r\nSet-Cookie: x=1",
          "",
          "/" + "a".repeat(3000)
        }) {
      assertThat(Gate.safeNext(evil)).as(evil).isEqualTo("/interviews");
    }
    assertThat(Gate.safeNext(null)).isEqualTo("/interviews");
    assertThat(Gate.safeNext("/interviews/abc123?view=history&x=%2F%2Fevil"))
        .isEqualTo("/interviews/abc123?view=history&x=%2F%2Fevil");
    assertThat(Gate.safeNext("/admin/users")).isEqualTo("/admin/users");
  }

  @Test
  void theMediaTypeIsReadWithoutItsParameters() {
    assertThat(Gate.mediaType("Application/JSON; charset=utf-8")).isEqualTo("application/json");
    assertThat(Gate.mediaType(null)).isEmpty();
    assertThat(Gate.mediaType("text/plain;application/json")).isEqualTo("text/plain");
  }
}
